package dev.cairn.nbd.server;

import static dev.cairn.nbd.protocol.NbdProtocol.*;
import static dev.cairn.nbd.server.ServerWire.*;

import dev.cairn.nbd.Extent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The transmission phase of one client. The connection's thread reads requests (and WRITE payloads)
 * in order and hands each to a virtual thread of its own, so a slow backend read does not hold up
 * the requests behind it; replies go out whole, in completion order, as the protocol allows.
 *
 * <p>Memory is bounded per connection: at most {@link #MAX_IN_FLIGHT} requests run at once, and
 * their READ and WRITE payloads together hold at most {@link ServerWire#MAX_PAYLOAD} bytes. A
 * client that stops reading replies therefore stalls only itself. A WRITE longer than that limit
 * cannot be skipped safely and ends the connection; other oversized or out-of-range requests get an
 * error reply and the connection stays usable.
 */
final class Transmission {
  /** Requests of one connection served at the same time. */
  static final int MAX_IN_FLIGHT = 16;

  /** Descriptors in one BLOCK_STATUS reply; a client asks again from where the reply stopped. */
  static final int MAX_DESCRIPTORS = 1 << 16;

  private static final System.Logger LOG = System.getLogger(Transmission.class.getName());

  private final Connection connection;
  private final Session session;
  private final Replies replies;
  private final AtomicLong unexpectedFailures;
  private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
  private final Semaphore payloadBytes = new Semaphore(MAX_PAYLOAD, true);

  Transmission(Connection connection, Session session, AtomicLong unexpectedFailures) {
    this.connection = connection;
    this.session = session;
    this.replies = new Replies(connection, session.structuredReplies());
    this.unexpectedFailures = unexpectedFailures;
  }

  /**
   * Serves requests until the client disconnects (NBD_CMD_DISC or end of stream), then waits for
   * the requests still running.
   *
   * @throws ProtocolViolation when the stream cannot be followed any more
   */
  void serve() throws IOException {
    ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER_SIZE);
    ExecutorService requests =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nbd-request").factory());
    try {
      while (connection.readFullyOrEnd(header.clear())) {
        if (header.getInt(0) != REQUEST_MAGIC) {
          throw new ProtocolViolation("a request without the request magic");
        }
        Request request = Request.decode(header);
        if (request.type() == CMD_DISC) {
          return; // the requests in flight still get their replies, as DISC requires
        }
        dispatch(request, requests);
      }
    } catch (IOException | RuntimeException e) {
      // Close first so that requests blocked sending to this client fail instead of waiting.
      connection.close();
      throw e;
    } finally {
      requests.close(); // waits for the requests in flight
    }
  }

  private void dispatch(Request request, ExecutorService requests) throws IOException {
    int reserved = 0;
    ByteBuffer payload = null;
    try {
      if (request.type() == CMD_WRITE) {
        if (request.length() > MAX_PAYLOAD) {
          throw new ProtocolViolation("a write of " + request.length() + " bytes");
        }
        reserved = reserve(request.length());
        payload = connection.read(reserved);
      } else if (request.type() == CMD_READ && request.length() <= MAX_PAYLOAD) {
        reserved = reserve(request.length());
      }
      slots.acquire();
    } catch (InterruptedException e) {
      payloadBytes.release(reserved);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for requests in flight");
    } catch (IOException | RuntimeException e) {
      payloadBytes.release(reserved);
      throw e;
    }
    int held = reserved;
    ByteBuffer data = payload;
    requests.execute(
        () -> {
          try {
            serve(request, data);
          } catch (IOException e) {
            // The reply could not be sent: the client is gone; end the connection.
            connection.close();
          } catch (Throwable t) {
            unexpectedFailures.incrementAndGet();
            LOG.log(Level.ERROR, "Cannot serve an NBD request from " + connection.peer(), t);
            connection.close();
          } finally {
            payloadBytes.release(held);
            slots.release();
          }
        });
  }

  private int reserve(long length) throws InterruptedException {
    int bytes = (int) length;
    payloadBytes.acquire(bytes);
    return bytes;
  }

  /** Runs one request and sends its reply; IOException only when the reply cannot be sent. */
  private void serve(Request request, ByteBuffer payload) throws IOException {
    int refusal = refusal(request);
    if (refusal != 0) {
      replies.error(request, refusal);
      return;
    }
    ExportBackend backend = session.backend();
    ByteBuffer result = null;
    try {
      switch (request.type()) {
        case CMD_READ -> {
          result = allocate(request.length());
          backend.read(request.offset(), result.slice());
        }
        case CMD_WRITE -> backend.write(request.offset(), payload);
        case CMD_WRITE_ZEROES, CMD_TRIM ->
            // TRIM only promises that the range's content becomes unspecified; zeroes are one
            // such content, and a copy-on-write overlay records them without storing data.
            backend.writeZeroes(request.offset(), request.length());
        case CMD_FLUSH -> backend.flush();
        case CMD_BLOCK_STATUS ->
            result =
                descriptors(
                    backend.allocation(request.offset(), request.length()),
                    request,
                    request.has(CMD_FLAG_REQ_ONE) ? 1 : MAX_DESCRIPTORS);
        default -> throw new IllegalStateException("refusal() lets no other command through");
      }
      if (request.has(CMD_FLAG_FUA) && request.type() != CMD_FLUSH) {
        backend.flush();
      }
    } catch (IOException | RuntimeException e) {
      // The cause stays in the server's log: it may name files or hosts the client must not see.
      LOG.log(
          Level.WARNING,
          "Cannot "
              + request.describe()
              + " export '"
              + session.exportName()
              + "' for "
              + connection.peer()
              + ": "
              + e,
          e instanceof IOException ? null : e);
      replies.error(request, EIO);
      return;
    }
    switch (request.type()) {
      case CMD_READ -> replies.read(request, result);
      case CMD_BLOCK_STATUS -> replies.blockStatus(request, result);
      default -> replies.done(request);
    }
  }

  /** The error a request must get before it reaches the backend, or 0 when it may run. */
  private int refusal(Request request) {
    ExportBackend backend = session.backend();
    int allowedFlags =
        switch (request.type()) {
          case CMD_READ -> session.structuredReplies() ? CMD_FLAG_DF : 0;
          case CMD_WRITE, CMD_TRIM, CMD_FLUSH -> 0;
          case CMD_WRITE_ZEROES -> CMD_FLAG_NO_HOLE;
          case CMD_BLOCK_STATUS -> CMD_FLAG_REQ_ONE;
          default -> -1;
        };
    if (allowedFlags < 0) {
      return EINVAL; // an unknown command
    }
    if ((session.transmissionFlags() & FLAG_SEND_FUA) != 0) {
      allowedFlags |= CMD_FLAG_FUA;
    }
    if ((request.flags() & ~allowedFlags) != 0) {
      return EINVAL;
    }
    boolean writes =
        request.type() == CMD_WRITE
            || request.type() == CMD_WRITE_ZEROES
            || request.type() == CMD_TRIM;
    if (writes && backend.readOnly()) {
      return EPERM;
    }
    switch (request.type()) {
      case CMD_FLUSH -> {
        return request.offset() == 0 && request.length() == 0 ? 0 : EINVAL;
      }
      case CMD_READ -> {
        if (request.length() > MAX_PAYLOAD) {
          return session.structuredReplies() ? EOVERFLOW : EINVAL;
        }
      }
      case CMD_BLOCK_STATUS -> {
        if (!session.allocationContext() || request.length() == 0) {
          return EINVAL;
        }
      }
      default -> {}
    }
    if (!request.within(backend.size())) {
      boolean stores = request.type() == CMD_WRITE || request.type() == CMD_WRITE_ZEROES;
      return stores ? ENOSPC : EINVAL;
    }
    return 0;
  }

  /**
   * The descriptors of a base:allocation chunk for the backend's extents: checked to start at the
   * request's offset and follow on without gaps, clipped to the request, merged where neighbours
   * share flags, and at most {@code limit} of them.
   *
   * @throws IOException when the backend's extents break its contract
   */
  static ByteBuffer descriptors(List<Extent> extents, Request request, int limit)
      throws IOException {
    long end = request.offset() + request.length();
    ByteBuffer out = ByteBuffer.allocate(8 * Math.max(1, Math.min(extents.size(), limit)));
    long expected = request.offset();
    long runLength = 0;
    int runFlags = 0;
    for (Extent extent : extents) {
      if (extent == null || extent.offset() != expected || extent.length() <= 0) {
        throw new IOException("the backend's extents do not follow on from offset " + expected);
      }
      long length = Math.min(extent.length(), end - expected);
      // Only the two base:allocation bits are defined; the rest of the field is reserved.
      int flags = extent.flags() & 3;
      if (runLength > 0 && flags != runFlags) {
        out.putInt((int) runLength).putInt(runFlags);
        runLength = 0;
        if (!out.hasRemaining()) {
          break;
        }
      }
      runFlags = flags;
      runLength += length;
      expected += length;
      if (expected >= end) {
        break;
      }
    }
    if (runLength > 0 && out.hasRemaining()) {
      out.putInt((int) runLength).putInt(runFlags);
    }
    if (out.position() == 0) {
      throw new IOException("the backend reported no extents");
    }
    return out.flip();
  }

  /** A payload buffer; the length was checked against the limit before it was reserved. */
  private static ByteBuffer allocate(long length) {
    if (length < 0 || length > MAX_PAYLOAD) {
      throw new IllegalStateException("A payload of " + length + " bytes passed the limit check");
    }
    return ByteBuffer.allocate((int) length);
  }
}
