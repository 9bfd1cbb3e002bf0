package dev.cairn.nbd.server;

import static dev.cairn.nbd.protocol.NbdProtocol.*;
import static dev.cairn.nbd.server.ServerWire.*;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fixed newstyle handshake with one client: the greeting, then option haggling until the client
 * picks an export (NBD_OPT_GO or NBD_OPT_EXPORT_NAME) or leaves. Runs on the connection's thread.
 *
 * <p>Options the server does not know get NBD_REP_ERR_UNSUP, malformed ones NBD_REP_ERR_INVALID,
 * unknown exports NBD_REP_ERR_UNKNOWN and STARTTLS NBD_REP_ERR_POLICY (no TLS yet); the client may
 * go on. A broken stream (bad magic, unknown client flags, an option larger than {@link
 * #MAX_OPTION_LENGTH}) throws {@link ProtocolViolation}.
 */
final class Handshake {
  /**
   * The largest option payload accepted. Real options are an export name and a few queries; a
   * longer one is treated as an attack rather than read.
   */
  static final int MAX_OPTION_LENGTH = 64 << 10;

  private final Connection connection;
  private final Map<String, ExportBackend> exports;
  private boolean noZeroes;
  private boolean structuredReplies;

  /** The export whose base:allocation the client selected, or null when none is selected. */
  private String allocationSelectedFor;

  /** The session the client entered transmission with; null until then. */
  private Session chosen;

  Handshake(Connection connection, Map<String, ExportBackend> exports) {
    this.connection = connection;
    this.exports = exports;
  }

  /** Runs the handshake; empty when the client aborted or left before choosing an export. */
  Optional<Session> negotiate() throws IOException {
    connection.send(
        ByteBuffer.allocate(18)
            .putLong(NBDMAGIC)
            .putLong(IHAVEOPT)
            .putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
            .flip());
    int clientFlags = connection.readInt();
    if ((clientFlags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) != 0) {
      throw new ProtocolViolation("unknown client flags 0x" + Integer.toHexString(clientFlags));
    }
    noZeroes = (clientFlags & FLAG_C_NO_ZEROES) != 0;
    while (true) {
      if (connection.readLong() != IHAVEOPT) {
        throw new ProtocolViolation("an option without the IHAVEOPT magic");
      }
      int option = connection.readInt();
      long length = Integer.toUnsignedLong(connection.readInt());
      if (length > MAX_OPTION_LENGTH) {
        throw new ProtocolViolation("an option of " + length + " bytes");
      }
      ByteBuffer data = connection.read((int) length);
      if (answer(option, data)) {
        return Optional.ofNullable(chosen);
      }
    }
  }

  /**
   * Answers one option; true when the handshake is over, with {@link #chosen} set unless the client
   * aborted.
   */
  private boolean answer(int option, ByteBuffer data) throws IOException {
    switch (option) {
      case OPT_EXPORT_NAME -> {
        chosen = exportName(data);
        return true;
      }
      case OPT_ABORT -> {
        reply(option, REP_ACK);
        return true;
      }
      case OPT_LIST -> list(data);
      case OPT_STARTTLS -> reply(option, REP_ERR_POLICY, "TLS is not offered");
      case OPT_INFO, OPT_GO -> {
        Session session = info(option, data);
        if (option == OPT_GO && session != null) {
          chosen = session;
          return true;
        }
      }
      case OPT_STRUCTURED_REPLY -> {
        if (data.hasRemaining()) {
          reply(option, REP_ERR_INVALID, "the option takes no data");
        } else {
          structuredReplies = true;
          reply(option, REP_ACK);
        }
      }
      case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(option, data);
      default -> reply(option, REP_ERR_UNSUP, "unsupported option");
    }
    return false;
  }

  /** NBD_OPT_EXPORT_NAME: no error reply exists, so an unknown export ends the session. */
  private Session exportName(ByteBuffer data) throws IOException {
    if (data.remaining() > MAX_STRING) {
      throw new ProtocolViolation("an export name of " + data.remaining() + " bytes");
    }
    String name = string(data, data.remaining());
    ExportBackend backend = exports.get(name);
    if (backend == null) {
      throw new ProtocolViolation("NBD_OPT_EXPORT_NAME for an unknown export");
    }
    Session session = session(name, backend);
    ByteBuffer reply = ByteBuffer.allocate(noZeroes ? 10 : 134);
    reply.putLong(backend.size()).putShort((short) session.transmissionFlags());
    connection.send(reply.position(reply.limit()).flip());
    return session;
  }

  private void list(ByteBuffer data) throws IOException {
    if (data.hasRemaining()) {
      reply(OPT_LIST, REP_ERR_INVALID, "the option takes no data");
      return;
    }
    for (Map.Entry<String, ExportBackend> export : exports.entrySet()) {
      byte[] name = export.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] description = descriptionOf(export.getValue());
      reply(
          OPT_LIST,
          REP_SERVER,
          ByteBuffer.allocate(4 + name.length + description.length)
              .putInt(name.length)
              .put(name)
              .put(description)
              .flip());
    }
    reply(OPT_LIST, REP_ACK);
  }

  /** NBD_OPT_INFO and NBD_OPT_GO; returns the session when the export was accepted. */
  private Session info(int option, ByteBuffer data) throws IOException {
    String name;
    List<Integer> requests = new ArrayList<>();
    try {
      name = string(data, lengthWithin(data, data.getInt(), 2));
      int count = Short.toUnsignedInt(data.getShort());
      if (data.remaining() != 2 * count) {
        reply(option, REP_ERR_INVALID, "the information requests do not match their count");
        return null;
      }
      for (int i = 0; i < count; i++) {
        requests.add(Short.toUnsignedInt(data.getShort()));
      }
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      reply(option, REP_ERR_INVALID, "malformed option data");
      return null;
    }
    ExportBackend backend = exports.get(name);
    if (backend == null) {
      reply(option, REP_ERR_UNKNOWN, "no such export");
      return null;
    }
    Session session = session(name, backend);
    reply(
        option,
        REP_INFO,
        ByteBuffer.allocate(12)
            .putShort((short) INFO_EXPORT)
            .putLong(backend.size())
            .putShort((short) session.transmissionFlags())
            .flip());
    // Always sent: these are the default constraints, so a client that did not ask loses nothing.
    reply(
        option,
        REP_INFO,
        ByteBuffer.allocate(14)
            .putShort((short) INFO_BLOCK_SIZE)
            .putInt(MIN_BLOCK_SIZE)
            .putInt(PREFERRED_BLOCK_SIZE)
            .putInt(MAX_PAYLOAD)
            .flip());
    if (requests.contains(INFO_NAME)) {
      infoString(option, INFO_NAME, name.getBytes(StandardCharsets.UTF_8));
    }
    byte[] description = descriptionOf(backend);
    if (requests.contains(INFO_DESCRIPTION) && description.length > 0) {
      infoString(option, INFO_DESCRIPTION, description);
    }
    reply(option, REP_ACK);
    return session;
  }

  private void infoString(int option, int type, byte[] text) throws IOException {
    reply(
        option,
        REP_INFO,
        ByteBuffer.allocate(2 + text.length).putShort((short) type).put(text).flip());
  }

  /**
   * NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT. The only context is base:allocation;
   * queries of other namespaces are ignored, as the specification requires.
   */
  private void metaContext(int option, ByteBuffer data) throws IOException {
    boolean set = option == OPT_SET_META_CONTEXT;
    if (set) {
      allocationSelectedFor = null; // a SET replaces the selection even when it fails
    }
    if (!structuredReplies) {
      reply(option, REP_ERR_INVALID, "negotiate structured replies first");
      return;
    }
    String name;
    boolean allocation;
    try {
      name = string(data, lengthWithin(data, data.getInt(), 4));
      int count = data.getInt();
      allocation = !set && count == 0;
      for (int i = 0; i < count; i++) {
        String query = string(data, lengthWithin(data, data.getInt(), 0));
        allocation |= query.equals(BASE_ALLOCATION) || (!set && query.equals("base:"));
      }
      if (data.hasRemaining()) {
        throw new IllegalArgumentException("bytes after the last query");
      }
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      reply(option, REP_ERR_INVALID, "malformed option data");
      return;
    }
    if (!exports.containsKey(name)) {
      reply(option, REP_ERR_UNKNOWN, "no such export");
      return;
    }
    if (allocation) {
      byte[] context = BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
      int id = set ? Session.ALLOCATION_CONTEXT_ID : 0;
      reply(
          option,
          REP_META_CONTEXT,
          ByteBuffer.allocate(4 + context.length).putInt(id).put(context).flip());
      if (set) {
        allocationSelectedFor = name;
      }
    }
    reply(option, REP_ACK);
  }

  private Session session(String name, ExportBackend backend) {
    return new Session(
        name, backend, structuredReplies, structuredReplies && name.equals(allocationSelectedFor));
  }

  private void reply(int option, int type) throws IOException {
    reply(option, type, ByteBuffer.allocate(0));
  }

  private void reply(int option, int type, String message) throws IOException {
    reply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.US_ASCII)));
  }

  private void reply(int option, int type, ByteBuffer payload) throws IOException {
    ByteBuffer header =
        ByteBuffer.allocate(20)
            .putLong(OPTION_REPLY_MAGIC)
            .putInt(option)
            .putInt(type)
            .putInt(payload.remaining())
            .flip();
    connection.send(header, payload);
  }

  /**
   * Checks a string length read from the data: it must fit the specification's limit and leave
   * {@code after} bytes of the option behind it.
   */
  private static int lengthWithin(ByteBuffer data, int length, int after) {
    if (length < 0 || length > MAX_STRING || length > data.remaining() - after) {
      throw new IllegalArgumentException("a string length beyond the option");
    }
    return length;
  }

  private static String string(ByteBuffer data, int length) {
    byte[] bytes = new byte[length];
    data.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] descriptionOf(ExportBackend backend) {
    byte[] description = backend.description().getBytes(StandardCharsets.UTF_8);
    return description.length <= MAX_STRING ? description : Arrays.copyOf(description, MAX_STRING);
  }
}
