package dev.cairn.storage.azure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy to a real service that breaks connections on demand: after {@link #dropAfter} bytes
 * from clients it closes every connection, and keeps closing new ones until {@link #heal()}. It
 * stands for a network that fails in the middle of an upload.
 */
final class DroppingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int upstreamPort;
  private final AtomicLong budget = new AtomicLong(Long.MAX_VALUE);
  private final List<Socket> sockets = new ArrayList<>();

  DroppingProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** From now on, lets {@code bytes} more bytes through to the service, then breaks everything. */
  void dropAfter(long bytes) {
    budget.set(bytes);
  }

  /** Lets everything through again. */
  void heal() {
    budget.set(Long.MAX_VALUE);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        synchronized (this) {
          sockets.add(client);
          sockets.add(upstream);
        }
        Thread.ofVirtual().start(() -> pump(client, upstream, true));
        Thread.ofVirtual().start(() -> pump(upstream, client, false));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean fromClient) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        if (fromClient) {
          long left = budget.getAndAccumulate(n, (b, used) -> Math.max(0, b - used));
          if (left < n) {
            out.write(buffer, 0, (int) left);
            out.flush();
            break; // the network fails here
          }
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (this) {
      sockets.forEach(DroppingProxy::closeQuietly);
    }
  }
}
