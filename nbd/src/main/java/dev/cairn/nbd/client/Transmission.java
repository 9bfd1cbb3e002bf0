package dev.cairn.nbd.client;

import static dev.cairn.nbd.protocol.NbdProtocol.CMD_BLOCK_STATUS;
import static dev.cairn.nbd.protocol.NbdProtocol.CMD_DISC;
import static dev.cairn.nbd.protocol.NbdProtocol.CMD_READ;
import static dev.cairn.nbd.protocol.NbdProtocol.MAX_BLOCK_STATUS_DESCRIPTORS;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_BLOCK_STATUS;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_ERROR_OFFSET;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_NONE;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_OFFSET_DATA;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_OFFSET_HOLE;
import static dev.cairn.nbd.protocol.NbdProtocol.SIMPLE_REPLY_MAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.STRUCTURED_REPLY_MAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.commandName;
import static dev.cairn.nbd.protocol.NbdProtocol.errorName;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.protocol.ChunkHeader;
import dev.cairn.nbd.protocol.RequestHeader;
import dev.cairn.nbd.protocol.SimpleReplyHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The transmission phase on one connection: sends requests (a large one split into pieces, up to
 * {@link #MAX_IN_FLIGHT} at a time so the server works on the next piece while this one is on the
 * wire) and decodes simple and structured replies, which may arrive in any order and interleave.
 *
 * <p>Every reply is checked against its request before any byte is stored or allocated: a chunk
 * outside the requested range, an overlap, a length that does not fit, an unknown cookie, or a
 * reply that claims success while data is missing is a {@link ProtocolViolation}. A server error is
 * an {@link NbdException} with the error number, reported only after every piece in flight has been
 * answered so that the connection stays in step and usable.
 *
 * <p>Not thread-safe: the client's lock serialises calls.
 */
final class Transmission {
  /**
   * Requests in flight on one connection: with {@link NbdClient}'s 256 KiB pieces, 8 MiB on the
   * wire, enough to keep a server busy across a Unix socket or a fast network.
   */
  static final int MAX_IN_FLIGHT = 32;

  /** Source of zeros for holes and for writing zeros where the server cannot. */
  static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

  private final Wire wire;
  private final ExportInfo export;
  private final InFlight[] active = new InFlight[MAX_IN_FLIGHT];
  private int activeCount;
  private long nextCookie = 1;

  /** The payload of the piece {@code [relativeOffset, relativeOffset + length)} of a request. */
  @FunctionalInterface
  interface Payload {
    ByteBuffer slice(long relativeOffset, int length);
  }

  Transmission(Wire wire, ExportInfo export) {
    this.wire = wire;
    this.export = export;
  }

  /** Reads {@code target.remaining()} bytes at {@code offset} into target (position unchanged). */
  void read(long offset, ByteBuffer target, int pieceSize) throws IOException {
    ByteBuffer region = target.slice();
    run(CMD_READ, 0, offset, region.remaining(), pieceSize, (at, n) -> region.slice((int) at, n));
  }

  /**
   * Runs {@code command} over {@code [offset, offset + length)} in pieces of at most {@code
   * pieceSize}; {@code pieces} gives a read piece's target or a write piece's data.
   */
  void run(int command, int flags, long offset, long length, int pieceSize, Payload pieces)
      throws IOException {
    long sent = 0;
    NbdException failure = null;
    activeCount = 0;
    while (true) {
      while (failure == null && activeCount < MAX_IN_FLIGHT && sent < length) {
        int n = (int) Math.min(pieceSize, length - sent);
        ByteBuffer data = pieces == null ? null : pieces.slice(sent, n);
        InFlight request =
            new InFlight(
                nextCookie++, command, offset + sent, n, command == CMD_READ ? data : null, -1);
        send(request, flags, command == CMD_READ ? null : data);
        active[activeCount++] = request;
        sent += n;
      }
      if (activeCount == 0) {
        break;
      }
      InFlight finished = receiveUntilOneFinishes();
      if (finished.failure() != null && failure == null) {
        failure = finished.failure();
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Sends one request without payload and waits for its reply. */
  void simpleCommand(int command, int flags, long offset, int length) throws IOException {
    exchange(new InFlight(nextCookie++, command, offset, length, null, -1), flags);
  }

  /** The extents of one context from one block-status request (clipped to the range). */
  List<Extent> blockStatus(int contextId, long offset, int length) throws IOException {
    InFlight request =
        new InFlight(nextCookie++, CMD_BLOCK_STATUS, offset, length, null, contextId);
    exchange(request, 0);
    return List.copyOf(request.extents);
  }

  private void exchange(InFlight request, int flags) throws IOException {
    send(request, flags, null);
    activeCount = 0;
    active[activeCount++] = request;
    receiveUntilOneFinishes();
    if (request.failure() != null) {
      throw request.failure();
    }
  }

  /** Sends NBD_CMD_DISC; the server answers by closing the connection. */
  void disconnect() throws IOException {
    new RequestHeader(0, CMD_DISC, nextCookie++, 0, 0).writeTo(wire.message());
    wire.send();
  }

  private void send(InFlight request, int flags, ByteBuffer payload) throws IOException {
    new RequestHeader(flags, request.command, request.cookie, request.offset, request.length)
        .writeTo(wire.message());
    if (payload == null) {
      wire.send();
    } else {
      wire.send(payload.duplicate());
    }
  }

  private InFlight receiveUntilOneFinishes() throws IOException {
    while (true) {
      ByteBuffer buffer = wire.need(4);
      int magic = buffer.getInt(buffer.position());
      InFlight request;
      boolean finished;
      if (magic == SIMPLE_REPLY_MAGIC) {
        SimpleReplyHeader header = SimpleReplyHeader.readFrom(wire.need(SimpleReplyHeader.SIZE));
        request = find(header.cookie());
        simpleReply(request, header);
        finished = true;
      } else if (magic == STRUCTURED_REPLY_MAGIC) {
        if (!export.structuredReplies()) {
          throw new ProtocolViolation("it sent a structured reply though none were negotiated");
        }
        ChunkHeader header = ChunkHeader.readFrom(wire.need(ChunkHeader.SIZE));
        request = find(header.cookie());
        chunk(request, header);
        finished = header.isDone();
      } else {
        throw new ProtocolViolation("it sent a reply with magic 0x%08x".formatted(magic));
      }
      if (finished) {
        complete(request);
        return request;
      }
    }
  }

  private InFlight find(long cookie) throws ProtocolViolation {
    for (int i = 0; i < activeCount; i++) {
      if (active[i].cookie == cookie) {
        return active[i];
      }
    }
    throw new ProtocolViolation(
        "it sent a reply for cookie %s, which matches no request in flight"
            .formatted(Long.toUnsignedString(cookie)));
  }

  private void complete(InFlight request) throws ProtocolViolation {
    for (int i = 0; i < activeCount; i++) {
      if (active[i] == request) {
        active[i] = active[--activeCount];
        active[activeCount] = null;
        break;
      }
    }
    if (request.failure() != null) {
      return;
    }
    if (request.command == CMD_READ
        && export.structuredReplies()
        && request.covered.covered() != request.unsignedLength()) {
      throw new ProtocolViolation(
          "it ended the reply to NBD_CMD_READ of %d bytes at offset %d after only %d bytes"
              .formatted(request.unsignedLength(), request.offset, request.covered.covered()));
    }
    if (request.command == CMD_BLOCK_STATUS
        && !request.statusContexts.contains(request.contextId)) {
      throw new ProtocolViolation(
          "it ended the reply to NBD_CMD_BLOCK_STATUS without status for the requested context");
    }
  }

  private void simpleReply(InFlight request, SimpleReplyHeader header) throws IOException {
    if (request.command == CMD_READ && export.structuredReplies()) {
      throw new ProtocolViolation(
          "it sent a simple reply to NBD_CMD_READ though structured replies were negotiated");
    }
    if (header.error() != 0) {
      request.fail(serverError(request, header.error(), new byte[0], -1));
    } else if (request.command == CMD_READ) {
      wire.readFully(request.target.duplicate());
    } else if (request.command == CMD_BLOCK_STATUS) {
      throw new ProtocolViolation("it answered NBD_CMD_BLOCK_STATUS with a simple reply");
    }
  }

  private void chunk(InFlight request, ChunkHeader header) throws IOException {
    long length = header.unsignedLength();
    switch (header.type()) {
      case REPLY_TYPE_NONE -> {
        if (length != 0 || !header.isDone()) {
          throw new ProtocolViolation(
              "it sent an NBD_REPLY_TYPE_NONE chunk of %d bytes%s"
                  .formatted(length, header.isDone() ? "" : " without the done flag"));
        }
      }
      case REPLY_TYPE_OFFSET_DATA -> offsetData(request, length);
      case REPLY_TYPE_OFFSET_HOLE -> offsetHole(request, length);
      case REPLY_TYPE_BLOCK_STATUS -> blockStatusChunk(request, length);
      default -> {
        if (!header.isError()) {
          throw new ProtocolViolation(
              "it sent a chunk of unknown type %d for %s"
                  .formatted(header.type(), commandName(request.command)));
        }
        errorChunk(request, header.type() == REPLY_TYPE_ERROR_OFFSET, length);
      }
    }
  }

  private void requireRead(InFlight request, String chunk) throws ProtocolViolation {
    if (request.command != CMD_READ) {
      throw new ProtocolViolation(
          "it sent an %s chunk in reply to %s".formatted(chunk, commandName(request.command)));
    }
  }

  private void offsetData(InFlight request, long length) throws IOException {
    requireRead(request, "NBD_REPLY_TYPE_OFFSET_DATA");
    if (length < 9) {
      throw new ProtocolViolation(
          "it sent an NBD_REPLY_TYPE_OFFSET_DATA chunk of %d bytes, fewer than 9"
              .formatted(length));
    }
    long start = wire.need(8).getLong();
    long count = length - 8;
    int at = place(request, "NBD_REPLY_TYPE_OFFSET_DATA", start, count);
    wire.readFully(request.target.duplicate().position(at).limit(at + (int) count));
  }

  private void offsetHole(InFlight request, long length) throws IOException {
    requireRead(request, "NBD_REPLY_TYPE_OFFSET_HOLE");
    if (length != 12) {
      throw new ProtocolViolation(
          "it sent an NBD_REPLY_TYPE_OFFSET_HOLE chunk of %d bytes instead of 12"
              .formatted(length));
    }
    ByteBuffer buffer = wire.need(12);
    long start = buffer.getLong();
    long count = Integer.toUnsignedLong(buffer.getInt());
    if (count == 0) {
      throw new ProtocolViolation("it sent an empty NBD_REPLY_TYPE_OFFSET_HOLE chunk");
    }
    fillZeros(
        request.target, place(request, "NBD_REPLY_TYPE_OFFSET_HOLE", start, count), (int) count);
  }

  /** Checks that content lies within the request and overlaps nothing; returns its index. */
  private int place(InFlight request, String chunk, long start, long count)
      throws ProtocolViolation {
    if (!request.contains(start, count)) {
      throw new ProtocolViolation(
          "it sent an %s chunk for [%s, +%d), outside the requested [%d, +%d)"
              .formatted(
                  chunk,
                  Long.toUnsignedString(start),
                  count,
                  request.offset,
                  request.unsignedLength()));
    }
    if (!request.covered.add(start, start + count)) {
      throw new ProtocolViolation(
          "it sent an %s chunk for [%d, +%d) that overlaps data already sent"
              .formatted(chunk, start, count));
    }
    return (int) (start - request.offset);
  }

  static void fillZeros(ByteBuffer target, int index, int count) {
    if (target.hasArray()) {
      int from = target.arrayOffset() + index;
      Arrays.fill(target.array(), from, from + count, (byte) 0);
      return;
    }
    for (int done = 0; done < count; ) {
      int n = Math.min(ZEROS.capacity(), count - done);
      target.put(index + done, ZEROS, 0, n);
      done += n;
    }
  }

  private void blockStatusChunk(InFlight request, long length) throws IOException {
    if (request.command != CMD_BLOCK_STATUS) {
      throw new ProtocolViolation(
          "it sent an NBD_REPLY_TYPE_BLOCK_STATUS chunk in reply to "
              + commandName(request.command));
    }
    long descriptors = (length - 4) / 8;
    if (length < 12 || (length - 4) % 8 != 0 || descriptors > MAX_BLOCK_STATUS_DESCRIPTORS) {
      throw new ProtocolViolation(
          "it sent an NBD_REPLY_TYPE_BLOCK_STATUS chunk of %d bytes, which is not 4 + 8 * n"
                  .formatted(length)
              + " with 1 <= n <= "
              + MAX_BLOCK_STATUS_DESCRIPTORS);
    }
    int id = wire.need(4).getInt();
    if (!export.contexts().containsValue(id)) {
      throw new ProtocolViolation("it sent block status for unknown meta context id " + id);
    }
    if (!request.statusContexts.add(id)) {
      throw new ProtocolViolation(
          "it sent block status for meta context id %d twice".formatted(id));
    }
    boolean wanted = id == request.contextId;
    long position = request.offset;
    long end = request.offset + request.unsignedLength();
    for (long i = 0; i < descriptors; i++) {
      ByteBuffer buffer = wire.need(8);
      long extentLength = Integer.toUnsignedLong(buffer.getInt());
      int flags = buffer.getInt();
      if (extentLength == 0) {
        throw new ProtocolViolation("it sent a block status extent of length 0");
      }
      if (position < end) {
        if (wanted) {
          request.extents.add(new Extent(position, Math.min(extentLength, end - position), flags));
        }
        position += extentLength;
      }
    }
  }

  private void errorChunk(InFlight request, boolean withOffset, long length) throws IOException {
    long fixed = withOffset ? 14 : 6;
    if (length < fixed) {
      throw new ProtocolViolation(
          "it sent an error chunk of %d bytes, fewer than %d".formatted(length, fixed));
    }
    ByteBuffer buffer = wire.need(6);
    int error = buffer.getInt();
    int messageLength = Short.toUnsignedInt(buffer.getShort());
    if (messageLength > length - fixed) {
      throw new ProtocolViolation(
          "it sent an error chunk of %d bytes with a %d-byte message"
              .formatted(length, messageLength));
    }
    byte[] message = wire.readBytes(messageLength);
    long at = -1;
    if (withOffset) {
      at = wire.need(8).getLong();
      if (!request.contains(at, 1)) {
        throw new ProtocolViolation(
            "it reported an error at offset %s, outside the requested [%d, +%d)"
                .formatted(Long.toUnsignedString(at), request.offset, request.unsignedLength()));
      }
    }
    wire.skip(length - fixed - messageLength);
    if (error == 0) {
      throw new ProtocolViolation("it sent an error chunk with error number 0");
    }
    request.fail(serverError(request, error, message, at));
  }

  private static NbdException serverError(InFlight request, int error, byte[] message, long at) {
    String where = at >= 0 ? " at offset " + at : "";
    return new NbdException(
        "the server failed %s%s with %s%s"
            .formatted(
                commandName(request.command), where, errorName(error), ServerText.suffix(message)),
        error,
        null);
  }
}
