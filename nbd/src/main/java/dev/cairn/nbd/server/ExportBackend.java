package dev.cairn.nbd.server;

import dev.cairn.nbd.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What an NBD export serves. Thread-safe: the server calls it from one virtual thread per client
 * request, possibly concurrently. An {@link IOException} becomes an NBD EIO error reply for that
 * request (the message is logged, never sent); the connection stays up.
 */
public interface ExportBackend extends AutoCloseable {
  /** The size in bytes; fixed. */
  long size();

  /** Whether writes are refused (the export advertises NBD_FLAG_READ_ONLY). */
  boolean readOnly();

  /**
   * A line for people choosing an export ({@code nbdinfo --list} shows it), or empty for none. It
   * is sent to any client that asks, so it must hold nothing secret.
   */
  default String description() {
    return "";
  }

  /** Fills {@code target.remaining()} bytes from {@code offset} (within the size). */
  void read(long offset, ByteBuffer target) throws IOException;

  /**
   * base:allocation extents covering {@code [offset, offset + length)} in order, at least one and
   * starting at {@code offset}; flags bit 0 = hole, bit 1 = reads as zeros.
   */
  List<Extent> allocation(long offset, long length) throws IOException;

  /** Writes {@code data.remaining()} bytes at {@code offset}; only called when not read-only. */
  default void write(long offset, ByteBuffer data) throws IOException {
    throw new IOException("Export is read-only");
  }

  /** Makes a range read as zeros; only called when not read-only. */
  default void writeZeroes(long offset, long length) throws IOException {
    throw new IOException("Export is read-only");
  }

  /** Makes written data durable. */
  default void flush() throws IOException {}

  @Override
  default void close() throws IOException {}
}
