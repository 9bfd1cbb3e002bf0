package dev.cairn.nbd.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves named exports over TCP or a Unix socket with the fixed newstyle handshake (NBD_OPT_GO,
 * INFO, EXPORT_NAME, LIST, ABORT, STRUCTURED_REPLY, LIST_META_CONTEXT and SET_META_CONTEXT with
 * base:allocation) and the transmission commands READ, WRITE, WRITE_ZEROES, TRIM, FLUSH,
 * BLOCK_STATUS, DISC. The empty name is the export a client gets when it names none.
 *
 * <p>Threads: one virtual thread accepts, one per connection reads its requests, and one per
 * request calls the backend, so backends are called concurrently (within a connection and across
 * connections). Replies are written whole so concurrent requests never interleave.
 *
 * <p>Failures: a client that breaks the protocol, or does not finish the handshake within {@link
 * #HANDSHAKE_TIMEOUT}, is disconnected; other clients are not affected. A backend exception becomes
 * an EIO reply and a log line; the client never sees its message. At most {@link #MAX_CONNECTIONS}
 * clients are served at once, further ones are disconnected at once; each connection holds at most
 * 32 MiB of request payloads.
 */
public final class NbdServer implements AutoCloseable {
  /** Clients served at once; with 32 MiB of payload each this bounds the server's memory. */
  public static final int MAX_CONNECTIONS = 64;

  /** How long a client may take from connecting to choosing an export. */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

  private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());
  private static final int BACKLOG = 64;

  private final ServerSocketChannel listener;
  private final SocketAddress localAddress;
  private final Map<String, ExportBackend> exports;
  private final Duration handshakeTimeout;
  private final Semaphore connectionSlots = new Semaphore(MAX_CONNECTIONS);
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> clientThreads = ConcurrentHashMap.newKeySet();
  private final ScheduledThreadPoolExecutor handshakeTimer;
  private final AtomicLong unexpectedFailures = new AtomicLong();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread acceptor;

  private NbdServer(
      ServerSocketChannel listener, Map<String, ExportBackend> exports, Duration handshakeTimeout)
      throws IOException {
    this.listener = listener;
    this.localAddress = listener.getLocalAddress();
    this.exports = exports;
    this.handshakeTimeout = handshakeTimeout;
    this.handshakeTimer =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().name("nbd-handshake-timer").daemon().factory());
    // Thousands of short connections must not leave their cancelled timeouts queued for a minute.
    handshakeTimer.setRemoveOnCancelPolicy(true);
    this.acceptor = Thread.ofVirtual().name("nbd-accept").unstarted(this::acceptClients);
    acceptor.start();
  }

  /**
   * Starts listening on {@code address} (port 0 picks a free port) and returns once the socket is
   * bound, so a client may connect immediately.
   *
   * @param exports export name to backend, listed to clients in this map's order; the server does
   *     not close the backends
   * @throws IOException "Cannot listen for NBD clients on ADDRESS: reason"
   * @throws IllegalArgumentException when an export name is longer than 4096 bytes or holds NUL
   */
  public static NbdServer start(InetSocketAddress address, Map<String, ExportBackend> exports)
      throws IOException {
    return start(address, exports, HANDSHAKE_TIMEOUT);
  }

  /** {@link #start(InetSocketAddress, Map)} with another handshake timeout, for tests. */
  static NbdServer start(
      InetSocketAddress address, Map<String, ExportBackend> exports, Duration handshakeTimeout)
      throws IOException {
    Map<String, ExportBackend> checked = checked(exports);
    ServerSocketChannel listener = ServerSocketChannel.open();
    try {
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(address, BACKLOG);
      return new NbdServer(listener, checked, handshakeTimeout);
    } catch (IOException e) {
      listener.close();
      throw new IOException(
          "Cannot listen for NBD clients on "
              + address.getHostString()
              + ":"
              + address.getPort()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Starts listening on a Unix socket at {@code socket} (which must not exist yet; {@link #close()}
   * removes it) and returns once it is bound. Clients use {@code nbd+unix:///NAME?socket=PATH}.
   *
   * @throws IOException "Cannot listen for NBD clients on PATH: reason"
   */
  public static NbdServer start(Path socket, Map<String, ExportBackend> exports)
      throws IOException {
    Map<String, ExportBackend> checked = checked(exports);
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      listener.bind(UnixDomainSocketAddress.of(socket), BACKLOG);
      return new NbdServer(listener, checked, HANDSHAKE_TIMEOUT);
    } catch (IOException e) {
      listener.close();
      throw new IOException(
          "Cannot listen for NBD clients on " + socket + ": " + e.getMessage(), e);
    }
  }

  /**
   * The bound TCP address (with the real port).
   *
   * @throws IllegalStateException when the server listens on a Unix socket
   */
  public InetSocketAddress address() {
    if (localAddress instanceof InetSocketAddress inet) {
      return inet;
    }
    throw new IllegalStateException("The NBD server listens on a Unix socket, not on TCP");
  }

  /** The bound address: an {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}. */
  public SocketAddress localAddress() {
    return localAddress;
  }

  /** Blocks until {@link #close()} is called from another thread. */
  public void awaitClose() throws InterruptedException {
    closed.await();
  }

  /**
   * Stops accepting, disconnects clients and returns once every client thread has ended, so no
   * backend is called afterwards; does not close the backends. Idempotent.
   */
  @Override
  public void close() throws IOException {
    if (!closing.compareAndSet(false, true)) {
      awaitQuietly(closed);
      return;
    }
    try {
      listener.close();
      joinQuietly(acceptor);
      connections.forEach(Connection::close);
      clientThreads.forEach(NbdServer::joinQuietly);
      handshakeTimer.shutdownNow();
      if (localAddress instanceof UnixDomainSocketAddress unix) {
        Files.deleteIfExists(unix.getPath());
      }
    } finally {
      closed.countDown();
    }
  }

  /** Failures the server did not expect of itself (bugs), counted so tests can assert none. */
  long unexpectedFailures() {
    return unexpectedFailures.get();
  }

  /** Clients connected now (tests check that connections do not leak). */
  int connectionCount() {
    return connections.size();
  }

  private void acceptClients() {
    while (!closing.get()) {
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        // Typically out of file descriptors: wait a little instead of spinning.
        LOG.log(Level.WARNING, "Cannot accept an NBD client: " + e.getMessage());
        sleepQuietly(Duration.ofMillis(100));
        continue;
      }
      String peer = peerOf(channel);
      noDelay(channel);
      if (!connectionSlots.tryAcquire()) {
        LOG.log(
            Level.WARNING,
            "Refusing NBD client " + peer + ": " + MAX_CONNECTIONS + " clients are connected");
        closeQuietly(channel);
        continue;
      }
      Connection connection = new Connection(channel, peer);
      connections.add(connection);
      Thread thread =
          Thread.ofVirtual().name("nbd-client " + peer).unstarted(() -> serve(connection));
      clientThreads.add(thread);
      thread.start();
    }
  }

  private void serve(Connection connection) {
    try {
      ScheduledFuture<?> timeout =
          handshakeTimer.schedule(
              connection::close, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
      Optional<Session> session;
      try {
        session = new Handshake(connection, exports).negotiate();
      } finally {
        timeout.cancel(false);
      }
      if (session.isPresent()) {
        LOG.log(
            Level.DEBUG,
            "NBD client "
                + connection.peer()
                + " uses export '"
                + session.get().exportName()
                + "'");
        new Transmission(connection, session.get(), unexpectedFailures).serve();
      }
    } catch (ProtocolViolation e) {
      LOG.log(Level.DEBUG, "Disconnected NBD client " + connection.peer() + ": " + e.getMessage());
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "NBD client " + connection.peer() + " went away: " + e);
    } catch (Throwable t) {
      unexpectedFailures.incrementAndGet();
      LOG.log(Level.ERROR, "Cannot serve NBD client " + connection.peer(), t);
    } finally {
      connection.close();
      connections.remove(connection);
      connectionSlots.release();
      clientThreads.remove(Thread.currentThread());
    }
  }

  private static Map<String, ExportBackend> checked(Map<String, ExportBackend> exports) {
    Map<String, ExportBackend> checked = new LinkedHashMap<>();
    exports.forEach(
        (name, backend) -> {
          if (name.getBytes(StandardCharsets.UTF_8).length > ServerWire.MAX_STRING
              || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                "Cannot serve export '"
                    + name
                    + "': a name must have at most 4096 bytes and no NUL character");
          }
          if (backend.size() < 0) {
            throw new IllegalArgumentException(
                "Cannot serve export '" + name + "': its size is negative");
          }
          checked.put(name, backend);
        });
    return Collections.unmodifiableMap(checked);
  }

  private static String peerOf(SocketChannel channel) {
    try {
      SocketAddress remote = channel.getRemoteAddress();
      if (remote instanceof InetSocketAddress inet) {
        return inet.getHostString() + ":" + inet.getPort();
      }
      return "on the Unix socket";
    } catch (IOException e) {
      return "(unknown address)";
    }
  }

  /**
   * Sends replies as soon as they are written: the specification asks for it, as Nagle's delay
   * would hold a reply's last segment back waiting for an acknowledgement.
   */
  private static void noDelay(SocketChannel channel) {
    try {
      if (channel.getRemoteAddress() instanceof InetSocketAddress) {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      }
    } catch (IOException e) {
      // A connection that already failed gets noticed by its first read.
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // The refused client learns of it from the closed connection.
    }
  }

  private static void joinQuietly(Thread thread) {
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepQuietly(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
