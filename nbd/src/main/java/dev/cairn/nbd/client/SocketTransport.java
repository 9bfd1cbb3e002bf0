package dev.cairn.nbd.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A blocking socket channel, TCP or Unix-domain, reporting every transfer to a {@link StallGuard}
 * so that a stalled server is detected.
 */
final class SocketTransport implements Transport {
  private final SocketChannel channel;
  private final StallGuard guard;

  private SocketTransport(SocketChannel channel) {
    this.channel = channel;
    this.guard = new StallGuard(this::abort);
  }

  /** Opens an unconnected TCP channel, so that the guard can close it while it connects. */
  static SocketTransport tcp() throws IOException {
    return new SocketTransport(SocketChannel.open());
  }

  /** Opens an unconnected Unix-domain channel. */
  static SocketTransport unix() throws IOException {
    return new SocketTransport(SocketChannel.open(StandardProtocolFamily.UNIX));
  }

  /** The watchdog that closes this socket when the server stalls. */
  StallGuard guard() {
    return guard;
  }

  /** Connects over TCP with Nagle off (the NBD spec asks for it: requests are small). */
  void connect(String host, int port, Duration timeout) throws IOException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IOException("cannot resolve host '" + host + "'");
    }
    try {
      channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    } catch (UnresolvedAddressException e) {
      throw new IOException("cannot resolve host '" + host + "'", e);
    }
    channel.socket().setTcpNoDelay(true);
  }

  void connect(Path socket) throws IOException {
    channel.connect(UnixDomainSocketAddress.of(socket));
  }

  @Override
  public int read(ByteBuffer target) throws IOException {
    int n = channel.read(target);
    if (n > 0) {
      guard.progress();
    }
    return n;
  }

  @Override
  public void write(ByteBuffer... sources) throws IOException {
    while (anyRemaining(sources)) {
      if (channel.write(sources) > 0) {
        guard.progress();
      }
    }
  }

  private static boolean anyRemaining(ByteBuffer[] sources) {
    for (ByteBuffer source : sources) {
      if (source.hasRemaining()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    abort();
  }

  @Override
  public void abort() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing a socket can only fail when it is already unusable.
    }
  }
}
