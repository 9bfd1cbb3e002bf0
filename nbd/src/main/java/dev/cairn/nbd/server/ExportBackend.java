package dev.cairn.nbd.server;

import dev.cairn.nbd.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What an NBD export serves. Thread-safe: the server calls it from one virtual thread per client
 * request, possibly concurrently, also for overlapping ranges (the protocol leaves the outcome of
 * overlapping requests in flight undefined, but each call must stay internally consistent). An
 * {@link IOException} or a runtime exception becomes an NBD EIO error reply for that request (the
 * message is logged, never sent); the connection stays up. The server checks every range against
 * {@link #size()} and refuses writes to a read-only backend before calling it.
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
   * base:allocation extents from {@code offset} on, in order and without gaps: at least one,
   * starting at {@code offset}; flags bit 0 = hole, bit 1 = reads as zeros. They should cover
   * {@code [offset, offset + length)}, but may stop short (the client asks again from where they
   * stop) or run past its end (the server clips them).
   */
  List<Extent> allocation(long offset, long length) throws IOException;

  /** Writes {@code data.remaining()} bytes at {@code offset}; only called when not read-only. */
  default void write(long offset, ByteBuffer data) throws IOException {
    throw new IOException("Export is read-only");
  }

  /**
   * Makes a range read as zeros; only called when not read-only. Serves NBD_CMD_WRITE_ZEROES and
   * NBD_CMD_TRIM (after a trim any content is allowed, and zeroes let an overlay drop the range).
   */
  default void writeZeroes(long offset, long length) throws IOException {
    throw new IOException("Export is read-only");
  }

  /** Makes written data durable (NBD_CMD_FLUSH, and after a write the client flagged FUA). */
  default void flush() throws IOException {}

  @Override
  default void close() throws IOException {}
}
