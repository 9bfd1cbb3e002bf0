package dev.cairn.nbd.client;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Buffered, big-endian message I/O over a {@link Transport}, with one reused direct buffer each way
 * so that steady-state transfers allocate nothing. Bulk data bypasses the buffer when the
 * destination or source is itself direct. Not thread-safe: the client's lock serialises use.
 */
final class Wire {
  static final int BUFFER_SIZE = 256 * 1024;

  /** Destinations at least this large and direct are read into without a copy. */
  private static final int DIRECT_READ_MINIMUM = 64 * 1024;

  private Transport transport;

  /** Received bytes not yet consumed, in read mode: {@code [position, limit)}. */
  private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_SIZE).flip();

  private final ByteBuffer out = ByteBuffer.allocateDirect(BUFFER_SIZE);

  Wire(Transport transport) {
    this.transport = transport;
  }

  Transport transport() {
    return transport;
  }

  /** Switches to a new transport (after STARTTLS); nothing may be buffered from the old one. */
  void upgrade(Transport secured) {
    this.transport = secured;
  }

  /** Bytes received but not consumed. */
  int buffered() {
    return in.remaining();
  }

  /**
   * Returns the receive buffer holding at least {@code count} unread bytes at its position, for
   * relative gets; {@code count} is at most {@link #BUFFER_SIZE}.
   *
   * @throws EOFException if the stream ends first
   */
  ByteBuffer need(int count) throws IOException {
    if (in.remaining() >= count) {
      return in;
    }
    in.compact();
    try {
      while (in.position() < count) {
        if (transport.read(in) < 0) {
          throw new EOFException("the server closed the connection");
        }
      }
    } finally {
      in.flip();
    }
    return in;
  }

  /** Fills {@code target}'s remaining bytes from the stream and advances its position. */
  void readFully(ByteBuffer target) throws IOException {
    takeBuffered(target);
    while (target.hasRemaining()) {
      if (target.isDirect() && target.remaining() >= DIRECT_READ_MINIMUM) {
        if (transport.read(target) < 0) {
          throw new EOFException("the server closed the connection");
        }
      } else {
        need(1);
        takeBuffered(target);
      }
    }
  }

  private void takeBuffered(ByteBuffer target) {
    int n = Math.min(in.remaining(), target.remaining());
    if (n > 0) {
      target.put(target.position(), in, in.position(), n);
      target.position(target.position() + n);
      in.position(in.position() + n);
    }
  }

  /** Reads and discards {@code count} bytes. */
  void skip(long count) throws IOException {
    long left = count;
    while (left > 0) {
      ByteBuffer buffer = need(1);
      int n = (int) Math.min(left, buffer.remaining());
      buffer.position(buffer.position() + n);
      left -= n;
    }
  }

  /** Reads {@code count} bytes into a new array; {@code count} must be small (callers bound it). */
  byte[] readBytes(int count) throws IOException {
    byte[] bytes = new byte[count];
    readFully(ByteBuffer.wrap(bytes));
    return bytes;
  }

  /** Returns the cleared send buffer for composing one message (at most {@link #BUFFER_SIZE}). */
  ByteBuffer message() {
    return out.clear();
  }

  /** Sends what was put in the {@link #message()} buffer. */
  void send() throws IOException {
    out.flip();
    transport.write(out);
    out.clear();
  }

  /** Sends the composed message followed by all remaining bytes of {@code payload}. */
  void send(ByteBuffer payload) throws IOException {
    if (payload.isDirect()) {
      out.flip();
      transport.write(out, payload);
      out.clear();
      return;
    }
    // A heap payload would be copied into a temporary direct buffer by the channel anyway; copy
    // it through the reused one instead, so that large writes allocate nothing.
    while (true) {
      int n = Math.min(out.remaining(), payload.remaining());
      out.put(out.position(), payload, payload.position(), n);
      out.position(out.position() + n);
      payload.position(payload.position() + n);
      out.flip();
      transport.write(out);
      out.clear();
      if (!payload.hasRemaining()) {
        return;
      }
    }
  }
}
