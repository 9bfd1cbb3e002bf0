package dev.cairn.nbd.client;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdUrl;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One connection to one NBD export, after a fixed-newstyle handshake with NBD_OPT_GO and structured
 * replies. Thread-safe: commands from several threads are serialised on the connection; open one
 * client per worker for parallel I/O when {@link #canMultiConn()} (or the export is read-only).
 * Every failure is an {@link NbdException} naming the export and the cause; after a protocol
 * violation or a timeout the connection is closed and every later call fails.
 */
public final class NbdClient implements AutoCloseable {
  private NbdClient() {}

  /**
   * Connects and negotiates; fails naming the export if it does not exist or a context is absent.
   */
  public static NbdClient connect(NbdUrl url, NbdClientOptions options) throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  /** The export names the server lists (NBD_OPT_LIST). */
  public static List<String> listExports(NbdUrl server, NbdClientOptions options)
      throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  /** The URL connected to, for messages. */
  public NbdUrl url() {
    throw new UnsupportedOperationException("to be written");
  }

  /** Export size in bytes. */
  public long size() {
    throw new UnsupportedOperationException("to be written");
  }

  public boolean readOnly() {
    throw new UnsupportedOperationException("to be written");
  }

  public boolean canMultiConn() {
    throw new UnsupportedOperationException("to be written");
  }

  public boolean canTrim() {
    throw new UnsupportedOperationException("to be written");
  }

  public boolean canWriteZeroes() {
    throw new UnsupportedOperationException("to be written");
  }

  public boolean canFlush() {
    throw new UnsupportedOperationException("to be written");
  }

  /** The largest request payload the server accepts (from NBD_INFO_BLOCK_SIZE, else 32 MiB). */
  public int maxPayload() {
    throw new UnsupportedOperationException("to be written");
  }

  /**
   * Reads {@code target.remaining()} bytes at {@code offset} into {@code target} (holes and zero
   * chunks of a structured reply arrive as zeros). Splits requests larger than {@link #maxPayload}.
   */
  public void read(long offset, ByteBuffer target) throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  /** Reads {@code length} bytes at {@code offset} into {@code target[targetOffset...]}. */
  public void read(long offset, byte[] target, int targetOffset, int length) throws IOException {
    read(offset, ByteBuffer.wrap(target, targetOffset, length));
  }

  /** Writes {@code data.remaining()} bytes at {@code offset}. */
  public void write(long offset, ByteBuffer data) throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  /** Makes {@code length} bytes at {@code offset} read as zeros, punching a hole if allowed. */
  public void writeZeroes(long offset, long length) throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  public void trim(long offset, long length) throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  public void flush() throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  /**
   * The extents of negotiated meta context {@code context} covering {@code [offset, offset +
   * length)}, in order, clipped to the range; the server may answer for less than the range, so
   * callers loop from the returned end. Fails if the context was not negotiated.
   */
  public List<Extent> blockStatus(String context, long offset, long length) throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  /** Sends NBD_CMD_DISC and closes the connection; idempotent. */
  @Override
  public void close() throws IOException {}
}
