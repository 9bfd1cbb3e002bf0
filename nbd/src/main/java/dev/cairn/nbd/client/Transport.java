package dev.cairn.nbd.client;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connected byte stream to the server: plain socket or TLS over it. Blocking; used by one thread
 * at a time, except {@link #abort()}, which any thread may call to unblock it.
 */
sealed interface Transport permits SocketTransport, TlsTransport {
  /** Reads at least one byte into {@code target}, or returns -1 at end of stream. */
  int read(ByteBuffer target) throws IOException;

  /** Writes all remaining bytes of {@code sources}, in order. */
  void write(ByteBuffer... sources) throws IOException;

  /** Ends the session politely (TLS close_notify) and closes; never throws. */
  void close();

  /** Closes the socket at once, failing any blocked read or write; never throws. */
  void abort();
}
