package dev.cairn.nbd.server;

import static dev.cairn.nbd.protocol.NbdProtocol.*;
import static dev.cairn.nbd.server.ServerWire.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes the replies of one connection: simple replies until the client negotiated structured
 * replies, then structured chunks for reads, block status and errors. Each reply goes out whole
 * through {@link Connection#send}. Thread-safe.
 */
final class Replies {
  /**
   * Reads are split into data and hole chunks on this grain (aligned to the export), so a client
   * learns of zero runs without being sent their bytes, and a mostly-data read stays one chunk.
   */
  static final int HOLE_GRAIN = 64 << 10;

  private static final ByteBuffer ZEROES = ByteBuffer.allocate(HOLE_GRAIN).asReadOnlyBuffer();
  private static final int CHUNK_HEADER = 20;

  private final Connection connection;
  private final boolean structured;

  Replies(Connection connection, boolean structured) {
    this.connection = connection;
    this.structured = structured;
  }

  /** Success without data (WRITE, WRITE_ZEROES, TRIM, FLUSH). */
  void done(Request request) throws IOException {
    connection.send(simpleHeader(request, 0));
  }

  /** A failed request: the error number alone, never a message (it could reveal the server). */
  void error(Request request, int errno) throws IOException {
    if (!structured) {
      connection.send(simpleHeader(request, errno));
      return;
    }
    ByteBuffer chunk = chunkHeader(request, REPLY_FLAG_DONE, REPLY_TYPE_ERROR, 6);
    connection.send(chunk.putInt(errno).putShort((short) 0).flip());
  }

  /**
   * The data of a successful READ. Structured replies send all-zero grains as holes unless the
   * client asked for one chunk (NBD_CMD_FLAG_DF).
   */
  void read(Request request, ByteBuffer data) throws IOException {
    if (!structured) {
      connection.send(simpleHeader(request, 0), data);
    } else if (!data.hasRemaining()) {
      connection.send(chunkHeader(request, REPLY_FLAG_DONE, REPLY_TYPE_NONE, 0).flip());
    } else if (request.has(CMD_FLAG_DF)) {
      connection.send(dataChunk(request, true, request.offset(), data.remaining()), data);
    } else {
      connection.send(readChunks(request, data).toArray(ByteBuffer[]::new));
    }
  }

  /** The base:allocation chunk of a BLOCK_STATUS reply: the descriptors, encoded. */
  void blockStatus(Request request, ByteBuffer descriptors) throws IOException {
    ByteBuffer header =
        chunkHeader(request, REPLY_FLAG_DONE, REPLY_TYPE_BLOCK_STATUS, 4 + descriptors.remaining())
            .putInt(Session.ALLOCATION_CONTEXT_ID)
            .flip();
    connection.send(header, descriptors);
  }

  /** Data and hole chunks covering the whole read, in order, the last one marked done. */
  private List<ByteBuffer> readChunks(Request request, ByteBuffer data) {
    List<ByteBuffer> parts = new ArrayList<>();
    long offset = request.offset();
    int length = data.remaining();
    int runStart = 0;
    boolean runIsHole = false;
    int position = 0;
    while (position < length) {
      int grainEnd =
          (int)
              Math.min(
                  length, position + (HOLE_GRAIN - Math.floorMod(offset + position, HOLE_GRAIN)));
      boolean hole = isZero(data, position, grainEnd - position);
      if (position > runStart && hole != runIsHole) {
        addRun(parts, request, data, runStart, position, runIsHole, false);
        runStart = position;
      }
      runIsHole = hole;
      position = grainEnd;
    }
    addRun(parts, request, data, runStart, length, runIsHole, true);
    return parts;
  }

  private void addRun(
      List<ByteBuffer> parts,
      Request request,
      ByteBuffer data,
      int from,
      int to,
      boolean hole,
      boolean last) {
    long offset = request.offset() + from;
    if (hole) {
      int flags = last ? REPLY_FLAG_DONE : 0;
      parts.add(
          chunkHeader(request, flags, REPLY_TYPE_OFFSET_HOLE, 12)
              .putLong(offset)
              .putInt(to - from)
              .flip());
    } else {
      parts.add(dataChunk(request, last, offset, to - from));
      parts.add(data.slice(from, to - from));
    }
  }

  private static ByteBuffer dataChunk(Request request, boolean last, long offset, int length) {
    return chunkHeader(request, last ? REPLY_FLAG_DONE : 0, REPLY_TYPE_OFFSET_DATA, 8 + length)
        .putLong(offset)
        .flip();
  }

  private static boolean isZero(ByteBuffer data, int from, int length) {
    return data.slice(from, length).mismatch(ZEROES.slice(0, length)) < 0;
  }

  private static ByteBuffer simpleHeader(Request request, int errno) {
    return ByteBuffer.allocate(16)
        .putInt(SIMPLE_REPLY_MAGIC)
        .putInt(errno)
        .putLong(request.cookie())
        .flip();
  }

  /**
   * A chunk header announcing {@code length} payload bytes, with room behind it for the chunk
   * type's fixed fields (at most 12 bytes: an offset and a hole size), which the caller puts.
   */
  private static ByteBuffer chunkHeader(Request request, int flags, int type, int length) {
    return ByteBuffer.allocate(CHUNK_HEADER + Math.min(length, 12))
        .putInt(STRUCTURED_REPLY_MAGIC)
        .putShort((short) flags)
        .putShort((short) type)
        .putLong(request.cookie())
        .putInt(length);
  }
}
