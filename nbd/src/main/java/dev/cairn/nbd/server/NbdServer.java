package dev.cairn.nbd.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Serves named exports over TCP with the fixed newstyle handshake (NBD_OPT_GO, INFO, LIST, ABORT,
 * STRUCTURED_REPLY, SET_META_CONTEXT with base:allocation) and the transmission commands READ,
 * WRITE, WRITE_ZEROES, TRIM, FLUSH, BLOCK_STATUS, DISC. One virtual thread per connection; replies
 * are written whole so concurrent requests never interleave. A client that breaks the protocol is
 * disconnected; other clients are not affected.
 */
public final class NbdServer implements AutoCloseable {
  private NbdServer() {}

  /**
   * Starts listening on {@code address} (port 0 picks a free port) and returns once the socket is
   * bound, so a client may connect immediately.
   */
  public static NbdServer start(InetSocketAddress address, Map<String, ExportBackend> exports)
      throws IOException {
    throw new UnsupportedOperationException("to be written");
  }

  /** The bound address (with the real port). */
  public InetSocketAddress address() {
    throw new UnsupportedOperationException("to be written");
  }

  /** Blocks until {@link #close()} is called from another thread. */
  public void awaitClose() throws InterruptedException {
    throw new UnsupportedOperationException("to be written");
  }

  /** Stops accepting, disconnects clients; does not close the backends. */
  @Override
  public void close() throws IOException {}
}
