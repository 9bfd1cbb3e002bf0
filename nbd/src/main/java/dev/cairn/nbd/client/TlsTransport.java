package dev.cairn.nbd.client;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS over a {@link SocketTransport}, driven by an {@link SSLEngine} because a Unix-domain channel
 * cannot be wrapped in an {@code SSLSocket}. The server certificate must chain to the context's
 * trust store and name the expected host (HTTPS-style endpoint identification); a key store in the
 * context answers a server that asks for a client certificate.
 */
final class TlsTransport implements Transport {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SocketTransport socket;
  private final SSLEngine engine;

  /** Ciphertext from the socket, in read mode. */
  private ByteBuffer netIn;

  /** Ciphertext to send; empty between calls. */
  private final ByteBuffer netOut;

  /** Decrypted bytes not yet returned, in read mode. */
  private ByteBuffer appIn;

  private TlsTransport(SocketTransport socket, SSLEngine engine) {
    this.socket = socket;
    this.engine = engine;
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocateDirect(Math.max(packet, 64 * 1024)).flip();
    this.netOut = ByteBuffer.allocateDirect(packet);
    this.appIn = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize()).flip();
  }

  /**
   * Runs the TLS handshake over {@code socket} and returns the secured transport.
   *
   * @param hostname the name the server certificate must carry (a DNS name or an IP literal)
   */
  static TlsTransport handshake(
      SocketTransport socket, SSLContext context, String hostname, int port) throws IOException {
    SSLEngine engine = context.createSSLEngine(hostname, port);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setProtocols(supported(engine, "TLSv1.3", "TLSv1.2"));
    if (!isIpLiteral(hostname)) {
      parameters.setServerNames(List.of(new SNIHostName(hostname)));
    }
    engine.setSSLParameters(parameters);
    TlsTransport transport = new TlsTransport(socket, engine);
    transport.runHandshake();
    return transport;
  }

  private static String[] supported(SSLEngine engine, String... wanted) {
    List<String> available = List.of(engine.getSupportedProtocols());
    return List.of(wanted).stream().filter(available::contains).toArray(String[]::new);
  }

  private static boolean isIpLiteral(String host) {
    return host.contains(":") || host.matches("[0-9.]+");
  }

  private void runHandshake() throws IOException {
    engine.beginHandshake();
    HandshakeStatus status = engine.getHandshakeStatus();
    while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
      status =
          switch (status) {
            case NEED_WRAP -> wrap(EMPTY).getHandshakeStatus();
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
              appIn.compact();
              try {
                yield unwrapOnce().getHandshakeStatus();
              } finally {
                appIn.flip();
              }
            }
            case NEED_TASK -> runTasks();
            default -> throw new SSLException("unexpected TLS handshake state " + status);
          };
    }
  }

  private HandshakeStatus runTasks() {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
    return engine.getHandshakeStatus();
  }

  /** Encrypts (part of) {@code sources} into one record and sends it. */
  private SSLEngineResult wrap(ByteBuffer... sources) throws IOException {
    netOut.clear();
    SSLEngineResult result = engine.wrap(sources, netOut);
    if (result.getStatus() != SSLEngineResult.Status.OK
        && result.getStatus() != SSLEngineResult.Status.CLOSED) {
      throw new SSLException("cannot encrypt: " + result.getStatus());
    }
    netOut.flip();
    if (netOut.hasRemaining()) {
      socket.write(netOut);
    }
    return result;
  }

  /**
   * Decrypts one record into {@code appIn} (write mode), reading from the socket as needed; the
   * result is CLOSED at the end of the TLS session.
   */
  private SSLEngineResult unwrapOnce() throws IOException {
    while (true) {
      SSLEngineResult result = engine.unwrap(netIn, appIn);
      switch (result.getStatus()) {
        case OK, CLOSED -> {
          return result;
        }
        case BUFFER_UNDERFLOW -> fillNetIn();
        case BUFFER_OVERFLOW -> {
          if (appIn.position() > 0) {
            return result;
          }
          // Write mode: keep what was decrypted so far in a bigger buffer.
          int size = Math.max(engine.getSession().getApplicationBufferSize(), appIn.capacity() * 2);
          appIn = ByteBuffer.allocateDirect(size).put(appIn.flip());
        }
      }
    }
  }

  private void fillNetIn() throws IOException {
    if (netIn.limit() == netIn.capacity() && netIn.position() == 0) {
      // A record larger than the buffer: keep the unread bytes in a bigger one.
      ByteBuffer bigger = ByteBuffer.allocateDirect(netIn.capacity() * 2).put(netIn);
      netIn = bigger.flip();
    }
    netIn.compact();
    try {
      if (socket.read(netIn) < 0) {
        throw new EOFException("the server closed the connection during TLS");
      }
    } finally {
      netIn.flip();
    }
  }

  @Override
  public int read(ByteBuffer target) throws IOException {
    while (!appIn.hasRemaining()) {
      appIn.clear();
      SSLEngineResult result;
      try {
        result = unwrapOnce();
      } catch (EOFException e) {
        appIn.flip();
        return -1;
      }
      appIn.flip();
      if (result.getStatus() == SSLEngineResult.Status.CLOSED && !appIn.hasRemaining()) {
        return -1;
      }
      // TLS 1.3 sends post-handshake messages (tickets, key updates) that may need an answer.
      HandshakeStatus status = result.getHandshakeStatus();
      while (status == HandshakeStatus.NEED_TASK || status == HandshakeStatus.NEED_WRAP) {
        status =
            status == HandshakeStatus.NEED_TASK ? runTasks() : wrap(EMPTY).getHandshakeStatus();
      }
    }
    int n = Math.min(appIn.remaining(), target.remaining());
    target.put(target.position(), appIn, appIn.position(), n);
    target.position(target.position() + n);
    appIn.position(appIn.position() + n);
    return n;
  }

  @Override
  public void write(ByteBuffer... sources) throws IOException {
    while (anyRemaining(sources)) {
      if (wrap(sources).getStatus() == SSLEngineResult.Status.CLOSED) {
        throw new SSLException("the TLS session is closed");
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
    try {
      engine.closeOutbound();
      for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
        wrap(EMPTY);
      }
    } catch (IOException | RuntimeException ignored) {
      // The peer may already be gone; the socket is closed below either way.
    } finally {
      socket.close();
    }
  }

  @Override
  public void abort() {
    socket.abort();
  }
}
