package dev.cairn.nbd.testing;

import dev.cairn.nbd.NbdUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A fake NBD server on a loopback port that plays a fixed byte script to each client, whatever the
 * client sends (which it reads and discards). After the script it either closes the connection or
 * keeps it open and silent, to play a stalled server. Tests use it for replies no real server would
 * send.
 */
public final class ScriptedServer implements AutoCloseable {
  private final ServerSocket listener;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private volatile byte[] script = new byte[0];
  private volatile boolean stallAfterScript;

  public ScriptedServer() throws IOException {
    listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    threads.submit(this::acceptLoop);
  }

  /** Plays {@code bytes} to the next clients, then closes (or stalls, when asked). */
  public void play(byte[] bytes, boolean stall) {
    this.script = bytes.clone();
    this.stallAfterScript = stall;
  }

  public void play(ServerStream stream) {
    play(stream.toByteArray(), false);
  }

  public NbdUrl url(String export) {
    return NbdUrl.tcp(listener.getInetAddress().getHostAddress(), listener.getLocalPort(), export);
  }

  private Void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        byte[] bytes = script;
        boolean stall = stallAfterScript;
        threads.submit(() -> serve(client, bytes, stall));
      } catch (IOException e) {
        return null; // closed
      }
    }
    return null;
  }

  private Void serve(Socket client, byte[] bytes, boolean stall) throws IOException {
    try (client) {
      try {
        OutputStream out = client.getOutputStream();
        out.write(bytes);
        out.flush();
        if (!stall) {
          // Half-close, then read until the client hangs up: closing outright with unread input
          // would reset the connection and could discard script bytes the client has not read.
          client.shutdownOutput();
        }
      } catch (IOException e) {
        // The client hung up early, as it should after a protocol violation.
      }
      drain(client.getInputStream());
    }
    return null;
  }

  private static Void drain(InputStream in) {
    byte[] sink = new byte[64 * 1024];
    try {
      while (in.read(sink) >= 0) {
        // Discard what the client sends.
      }
    } catch (IOException e) {
      // Connection closed.
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    listener.close();
    threads.shutdownNow();
  }
}
