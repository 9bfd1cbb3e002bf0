package dev.cairn.nbd.server;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client's byte stream. Reading belongs to the connection's own thread; {@link #send} may be
 * called from any thread and writes its parts whole under a lock, so messages of concurrent
 * requests never interleave.
 */
final class Connection implements Closeable {
  /**
   * The most bytes handed to the channel in one call. The JDK copies a heap buffer into a temporary
   * direct buffer of the same size before each call; slicing keeps that copy small.
   */
  private static final int IO_SLICE = 256 << 10;

  private final ByteChannel channel;
  private final String peer;
  private final ReentrantLock sendLock = new ReentrantLock();
  private final ByteBuffer field = ByteBuffer.allocate(Long.BYTES);

  Connection(ByteChannel channel, String peer) {
    this.channel = channel;
    this.peer = peer;
  }

  /** Who is connected, for log lines. */
  String peer() {
    return peer;
  }

  /**
   * Fills {@code target}; returns false when the stream ended before its first byte (a clean end
   * between messages).
   *
   * @throws EOFException when the stream ends part way through
   */
  boolean readFullyOrEnd(ByteBuffer target) throws IOException {
    boolean first = true;
    while (target.hasRemaining()) {
      int limit = Math.min(target.remaining(), IO_SLICE);
      ByteBuffer slice = target.slice(target.position(), limit);
      int read = channel.read(slice);
      if (read < 0) {
        if (first) {
          return false;
        }
        throw new EOFException("the client closed the connection part way through a message");
      }
      target.position(target.position() + read);
      first = false;
    }
    return true;
  }

  void readFully(ByteBuffer target) throws IOException {
    if (target.hasRemaining() && !readFullyOrEnd(target)) {
      throw new EOFException("the client closed the connection");
    }
  }

  /** Reads {@code length} bytes into a new heap buffer; the caller has bounded the length. */
  ByteBuffer read(int length) throws IOException {
    ByteBuffer data = ByteBuffer.allocate(length);
    readFully(data);
    return data.flip();
  }

  int readInt() throws IOException {
    field.clear().limit(Integer.BYTES);
    readFully(field);
    return field.flip().getInt();
  }

  long readLong() throws IOException {
    field.clear();
    readFully(field);
    return field.flip().getLong();
  }

  /** Writes every part in order, whole, before any other thread may send. */
  void send(ByteBuffer... parts) throws IOException {
    sendLock.lock();
    try {
      for (ByteBuffer part : parts) {
        while (part.hasRemaining()) {
          int limit = Math.min(part.remaining(), IO_SLICE);
          int written = channel.write(part.slice(part.position(), limit));
          part.position(part.position() + written);
        }
      }
    } finally {
      sendLock.unlock();
    }
  }

  /** Closes the stream; a thread blocked reading or sending fails at once. Idempotent. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing is left to flush or to tell the client.
    }
  }
}
