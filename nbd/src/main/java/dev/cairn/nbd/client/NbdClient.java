package dev.cairn.nbd.client;

import static dev.cairn.nbd.protocol.NbdProtocol.CMD_FLUSH;
import static dev.cairn.nbd.protocol.NbdProtocol.CMD_TRIM;
import static dev.cairn.nbd.protocol.NbdProtocol.CMD_WRITE;
import static dev.cairn.nbd.protocol.NbdProtocol.CMD_WRITE_ZEROES;
import static dev.cairn.nbd.protocol.NbdProtocol.ESHUTDOWN;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_CAN_MULTI_CONN;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_READ_ONLY;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_SEND_FLUSH;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_SEND_TRIM;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_SEND_WRITE_ZEROES;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdUrl;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;

/**
 * One connection to one NBD export, after a fixed-newstyle handshake with NBD_OPT_GO and structured
 * replies. Thread-safe: commands from several threads are serialised on the connection; open one
 * client per worker for parallel I/O when {@link #canMultiConn()} (or the export is read-only).
 * Every failure is an {@link NbdException} naming the export and the cause; after a protocol
 * violation or a timeout the connection is closed and every later call fails.
 *
 * <p>Reads and writes are split into requests of at most 256 KiB (and never more than {@link
 * #maxPayload()}), up to 32 in flight at once, so that the server works on the next request while
 * this one travels. Offsets and lengths must be multiples of {@link #minBlockSize()} (a caller
 * error is an {@link IllegalArgumentException}). A server error reply (for example EIO) fails only
 * that call: {@link NbdException#errno()} holds the error and the connection stays usable. A stall
 * longer than {@link NbdClientOptions#ioTimeout()} (no byte moving while a command waits) fails the
 * command with a message saying it timed out, and closes the connection; so does closing the client
 * while another thread waits in a command.
 */
public final class NbdClient implements AutoCloseable {
  /**
   * Request size for reads and writes: nbdcopy's default. Measured against qemu-nbd on 2 cores
   * (docs/benchmarks.md 5.1), 256 KiB with 32 in flight read about 6% faster than 1 MiB with 8, and
   * steadier (likely because qemu-nbd allocates a buffer per request, and small ones come back warm
   * from its heap where 1 MiB ones are more often mapped and faulted in anew). Writes were the same
   * speed either way.
   */
  private static final int PIECE = 256 << 10;

  /** Largest WRITE_ZEROES / TRIM effect length per request: 1 GiB, fits the 32-bit field. */
  private static final int EFFECT_PIECE = 1 << 30;

  /** Largest block-status request: 4 GiB - 64 KiB, a multiple of any minimum block size. */
  private static final long MAX_STATUS_LENGTH = 0xFFFF_0000L;

  private final NbdUrl url;
  private final NbdClientOptions options;
  private final SocketTransport socket;
  private final Wire wire;
  private final ExportInfo export;
  private final Transmission transmission;
  private final ReentrantLock lock = new ReentrantLock();
  private final IoThread ioThread;

  /** Why the connection is closed (by failure or by {@link #close()}); null while it is open. */
  private volatile String closedBecause;

  private NbdClient(NbdUrl url, NbdClientOptions options, Session session, ExportInfo export) {
    this.url = url;
    this.options = options;
    this.socket = session.socket();
    this.wire = session.wire();
    this.export = export;
    this.transmission = new Transmission(wire, export);
    this.ioThread = new IoThread("nbd-client " + url, socket::abort);
  }

  /**
   * Connects and negotiates; fails naming the export if it does not exist or a context is absent.
   * The whole of it (connect, TLS, option haggling) must finish within the connect timeout.
   */
  public static NbdClient connect(NbdUrl url, NbdClientOptions options) throws IOException {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(options, "options");
    String action = "connect to " + url;
    Session session = Session.open(url, options, action);
    try {
      ExportInfo export = session.handshake().go();
      session.socket().guard().disarm();
      return new NbdClient(url, options, session, export);
    } catch (IOException | RuntimeException e) {
      throw session.fail(action, e, options.connectTimeout());
    }
  }

  /** The export names the server lists (NBD_OPT_LIST); the URL's export name is not used. */
  public static List<String> listExports(NbdUrl server, NbdClientOptions options)
      throws IOException {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(options, "options");
    String action = "list the exports of " + server;
    Session session = Session.open(server, options, action);
    try {
      List<String> names = session.handshake().list();
      session.handshake().abort(true);
      session.socket().guard().disarm();
      session.wire().transport().close();
      return names;
    } catch (IOException | RuntimeException e) {
      throw session.fail(action, e, options.connectTimeout());
    }
  }

  /** The URL connected to, for messages. */
  public NbdUrl url() {
    return url;
  }

  /** Export size in bytes. */
  public long size() {
    return export.size();
  }

  public boolean readOnly() {
    return export.has(FLAG_READ_ONLY);
  }

  public boolean canMultiConn() {
    return export.has(FLAG_CAN_MULTI_CONN);
  }

  public boolean canTrim() {
    return export.has(FLAG_SEND_TRIM);
  }

  public boolean canWriteZeroes() {
    return export.has(FLAG_SEND_WRITE_ZEROES);
  }

  public boolean canFlush() {
    return export.has(FLAG_SEND_FLUSH);
  }

  /** The largest request payload the server accepts (from NBD_INFO_BLOCK_SIZE, else 32 MiB). */
  public int maxPayload() {
    return export.maxPayload();
  }

  /** The alignment every offset and length must keep (1 when the server sets none). */
  public int minBlockSize() {
    return export.minBlockSize();
  }

  /** The request size below which the server works inefficiently (4096 when it sets none). */
  public int preferredBlockSize() {
    return export.preferredBlockSize();
  }

  /** The meta contexts negotiated (those asked for, plus any extra the server selected). */
  public Set<String> metaContexts() {
    return export.contexts().keySet();
  }

  /**
   * Reads {@code target.remaining()} bytes at {@code offset} into {@code target} (holes and zero
   * chunks of a structured reply arrive as zeros). Splits requests larger than {@link #maxPayload}.
   * On success the buffer's position reaches its limit; on failure the position is unchanged and
   * the bytes in range are unspecified.
   *
   * @throws IllegalArgumentException if the range is outside the export or misaligned, or the
   *     buffer is read-only
   */
  public void read(long offset, ByteBuffer target) throws IOException {
    int length = target.remaining();
    checkRange(offset, length);
    if (target.isReadOnly()) {
      throw new IllegalArgumentException("Cannot read into a read-only buffer");
    }
    if (length == 0) {
      return;
    }
    int piece = Math.min(export.maxPayload(), PIECE);
    execute(
        "read %d bytes at offset %d from %s".formatted(length, offset, url),
        () -> transmission.read(offset, target, piece));
    target.position(target.limit());
  }

  /** Reads {@code length} bytes at {@code offset} into {@code target[targetOffset...]}. */
  public void read(long offset, byte[] target, int targetOffset, int length) throws IOException {
    read(offset, ByteBuffer.wrap(target, targetOffset, length));
  }

  /**
   * Writes {@code data.remaining()} bytes at {@code offset}; on success the buffer's position
   * reaches its limit.
   *
   * @throws NbdException if the export is read-only (nothing is sent) or the server fails it
   */
  public void write(long offset, ByteBuffer data) throws IOException {
    int length = data.remaining();
    checkRange(offset, length);
    String action = "write %d bytes at offset %d to %s".formatted(length, offset, url);
    requireWritable(action);
    if (length == 0) {
      return;
    }
    ByteBuffer region = data.slice();
    execute(
        action,
        () ->
            transmission.run(
                CMD_WRITE,
                0,
                offset,
                length,
                export.maxPayload(),
                (at, n) -> region.slice((int) at, n)));
    data.position(data.limit());
  }

  /**
   * Makes {@code length} bytes at {@code offset} read as zeros, punching a hole if allowed. When
   * the export does not support NBD_CMD_WRITE_ZEROES, writes zeros instead.
   */
  public void writeZeroes(long offset, long length) throws IOException {
    checkRange(offset, length);
    String action = "write zeroes to %d bytes at offset %d of %s".formatted(length, offset, url);
    requireWritable(action);
    if (length == 0) {
      return;
    }
    if (canWriteZeroes()) {
      execute(
          action, () -> transmission.run(CMD_WRITE_ZEROES, 0, offset, length, effectPiece(), null));
    } else {
      int piece = Math.min(export.maxPayload(), Transmission.ZEROS.capacity());
      execute(
          action,
          () ->
              transmission.run(
                  CMD_WRITE, 0, offset, length, piece, (at, n) -> Transmission.ZEROS.slice(0, n)));
    }
  }

  /**
   * Tells the server the range is no longer needed (it may discard it; contents are undefined until
   * rewritten). Does nothing when the export does not support NBD_CMD_TRIM.
   */
  public void trim(long offset, long length) throws IOException {
    checkRange(offset, length);
    String action = "trim %d bytes at offset %d of %s".formatted(length, offset, url);
    requireWritable(action);
    if (length == 0 || !canTrim()) {
      return;
    }
    execute(action, () -> transmission.run(CMD_TRIM, 0, offset, length, effectPiece(), null));
  }

  /**
   * Makes every write the server has acknowledged durable. Does nothing when the export does not
   * support NBD_CMD_FLUSH (it then has no volatile cache to flush).
   */
  public void flush() throws IOException {
    if (!canFlush()) {
      ensureOpen("flush " + url);
      return;
    }
    execute("flush " + url, () -> transmission.simpleCommand(CMD_FLUSH, 0, 0, 0));
  }

  /**
   * The extents of negotiated meta context {@code context} covering {@code [offset, offset +
   * length)}, in order, clipped to the range; the server may answer for less than the range, so
   * callers loop from the returned end. Fails if the context was not negotiated.
   *
   * @throws IllegalArgumentException if the context was not negotiated, or the range is outside the
   *     export or misaligned
   */
  public List<Extent> blockStatus(String context, long offset, long length) throws IOException {
    Integer id = export.contexts().get(context);
    if (id == null) {
      throw new IllegalArgumentException(
          "Cannot get block status of '%s' from %s: the context was not negotiated (negotiated: %s)"
              .formatted(context, url, export.contexts().keySet()));
    }
    checkRange(offset, length);
    if (length == 0) {
      return List.of();
    }
    int requested = (int) Math.min(length, MAX_STATUS_LENGTH);
    List<Extent>[] result = newResult();
    execute(
        "get block status of '%s' for %d bytes at offset %d of %s"
            .formatted(context, length, offset, url),
        () -> result[0] = transmission.blockStatus(id, offset, requested));
    return result[0];
  }

  @SuppressWarnings("unchecked")
  private static List<Extent>[] newResult() {
    return (List<Extent>[]) new List<?>[1];
  }

  /** Sends NBD_CMD_DISC and closes the connection; idempotent. */
  @Override
  public void close() throws IOException {
    if (!lock.tryLock()) {
      // Another thread is in a command, perhaps blocked on a stalled server: fail it at once.
      closedBecause = "the client was closed";
      socket.abort();
      ioThread.close();
      return;
    }
    try {
      ioThread.close();
      if (closedBecause != null) {
        socket.abort();
        return;
      }
      closedBecause = "the client was closed";
      socket.guard().arm(options.ioTimeout(), true);
      try {
        transmission.disconnect();
      } catch (IOException ignored) {
        // The server may be gone already; the connection is closed below either way.
      } finally {
        socket.guard().disarm();
      }
      wire.transport().close();
    } finally {
      lock.unlock();
    }
  }

  private void execute(String action, IoThread.Work command) throws NbdException {
    lock.lock();
    try {
      ensureOpen(action);
      socket.guard().arm(options.ioTimeout(), true);
      try {
        ioThread.run(command);
      } catch (ProtocolViolation e) {
        throw closeAfterFailure(action, "the server broke the protocol: " + e.getMessage(), e);
      } catch (NbdException e) {
        if (e.errno() == ESHUTDOWN) {
          // The spec requires a soft disconnect from a client told the server is shutting down.
          closeAfterFailure(action, "the server is shutting down", null);
        }
        throw new NbdException("Cannot " + action + ": " + e.getMessage(), e.errno(), null);
      } catch (IOException e) {
        throw closeAfterFailure(action, describe(e, socket.guard(), options.ioTimeout()), e);
      } catch (RuntimeException e) {
        throw closeAfterFailure(action, "unexpected failure: " + e, e);
      } finally {
        socket.guard().disarm();
      }
    } finally {
      lock.unlock();
    }
  }

  private void ensureOpen(String action) throws NbdException {
    String reason = closedBecause;
    if (reason != null) {
      throw new NbdException("Cannot " + action + ": the connection is closed (" + reason + ")");
    }
  }

  private NbdException closeAfterFailure(String action, String reason, Throwable cause) {
    String already = closedBecause;
    if (already != null) {
      reason = already;
    } else {
      closedBecause = reason;
      if (reason.equals("the server is shutting down")) {
        try {
          transmission.disconnect();
        } catch (IOException ignored) {
          // Best effort: the server is going away.
        }
        wire.transport().close();
      }
    }
    socket.abort();
    return new NbdException("Cannot " + action + ": " + reason + "; connection closed", cause);
  }

  private void requireWritable(String action) throws NbdException {
    if (readOnly()) {
      throw new NbdException("Cannot " + action + ": the export is read-only");
    }
  }

  private int effectPiece() {
    return EFFECT_PIECE - EFFECT_PIECE % export.minBlockSize();
  }

  private void checkRange(long offset, long length) {
    if (offset < 0 || length < 0 || length > export.size() - offset || offset > export.size()) {
      throw new IllegalArgumentException(
          "Cannot access %d bytes at offset %d of %s: the export has %d bytes"
              .formatted(length, offset, url, export.size()));
    }
    int alignment = export.minBlockSize();
    if (offset % alignment != 0 || (length % alignment != 0 && offset + length != export.size())) {
      throw new IllegalArgumentException(
          "Cannot access %d bytes at offset %d of %s: not aligned to its minimum block size %d"
              .formatted(length, offset, url, alignment));
    }
  }

  /** One line saying why an I/O operation failed, for "Cannot ...: <this>". */
  static String describe(IOException e, StallGuard guard, Duration limit) {
    if (guard.fired()) {
      return "timed out after " + format(limit) + " waiting for the server";
    }
    if (e instanceof EOFException) {
      return e.getMessage();
    }
    if (e instanceof ClosedByInterruptException) {
      return "the thread was interrupted";
    }
    if (e instanceof AsynchronousCloseException) {
      return "the connection was closed while in use";
    }
    if (e instanceof ConnectException) {
      return "cannot reach the server: " + e.getMessage();
    }
    String message = e.getMessage();
    return "connection failed: " + (message == null ? e.getClass().getSimpleName() : message);
  }

  private static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  /** A connection during the handshake, before it becomes a client. */
  private record Session(SocketTransport socket, Wire wire, Handshake handshake) {
    /** Connects and starts the handshake, all under the connect deadline (which stays armed). */
    static Session open(NbdUrl url, NbdClientOptions options, String action) throws NbdException {
      SocketTransport socket;
      try {
        socket = url.socket().isPresent() ? SocketTransport.unix() : SocketTransport.tcp();
      } catch (IOException e) {
        throw new NbdException("Cannot " + action + ": cannot open a socket: " + e.getMessage(), e);
      }
      Wire wire = new Wire(socket);
      Session session = new Session(socket, wire, new Handshake(wire, url, options));
      socket.guard().arm(options.connectTimeout(), false);
      try {
        if (url.socket().isPresent()) {
          socket.connect(url.socket().get());
        } else {
          socket.connect(url.host(), url.port(), options.connectTimeout());
        }
      } catch (IOException | RuntimeException e) {
        socket.guard().disarm();
        socket.abort();
        String reason =
            socket.guard().fired()
                ? "timed out after " + format(options.connectTimeout()) + " connecting"
                : "cannot reach the server: " + e.getMessage();
        throw new NbdException("Cannot " + action + ": " + reason, e);
      }
      try {
        session.handshake().start(socket);
        return session;
      } catch (IOException | RuntimeException e) {
        throw session.fail(action, e, options.connectTimeout());
      }
    }

    /** Ends the session after a failure and says why, in one line. */
    NbdException fail(String action, Exception e, Duration limit) {
      String reason;
      int errno = 0;
      if (e instanceof ProtocolViolation) {
        reason = "the server broke the protocol: " + e.getMessage();
      } else if (e instanceof NbdException refused) {
        reason = refused.getMessage();
        errno = refused.errno();
        if (!(refused.getCause() instanceof SSLException)) {
          // A refusal arrives in an orderly reply, so the session can end politely; a failed TLS
          // handshake leaves nothing to be polite over.
          handshake.abort(false);
          wire.transport().close();
        }
      } else if (e instanceof IOException io) {
        reason = describe(io, socket.guard(), limit);
      } else {
        reason = "unexpected failure: " + e;
      }
      socket.guard().disarm();
      socket.abort();
      return new NbdException("Cannot " + action + ": " + reason, errno, e);
    }
  }
}
