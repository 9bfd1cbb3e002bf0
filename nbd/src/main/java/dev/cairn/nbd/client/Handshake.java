package dev.cairn.nbd.client;

import static dev.cairn.nbd.protocol.NbdProtocol.CLISERV_MAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.EXPORT_NAME_PADDING;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_C_FIXED_NEWSTYLE;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_C_NO_ZEROES;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_FIXED_NEWSTYLE;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_NO_ZEROES;
import static dev.cairn.nbd.protocol.NbdProtocol.IHAVEOPT;
import static dev.cairn.nbd.protocol.NbdProtocol.INFO_BLOCK_SIZE;
import static dev.cairn.nbd.protocol.NbdProtocol.INFO_BLOCK_SIZE_LENGTH;
import static dev.cairn.nbd.protocol.NbdProtocol.INFO_EXPORT;
import static dev.cairn.nbd.protocol.NbdProtocol.INFO_EXPORT_LENGTH;
import static dev.cairn.nbd.protocol.NbdProtocol.MAX_MINIMUM_BLOCK_SIZE;
import static dev.cairn.nbd.protocol.NbdProtocol.NBDMAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.OPTION_REPLY_MAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_ABORT;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_EXPORT_NAME;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_GO;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_LIST;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_SET_META_CONTEXT;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_STARTTLS;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_STRUCTURED_REPLY;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ACK;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ERR_POLICY;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ERR_SHUTDOWN;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ERR_TLS_REQD;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ERR_UNKNOWN;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ERR_UNSUP;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_INFO;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_META_CONTEXT;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_SERVER;
import static dev.cairn.nbd.protocol.NbdProtocol.SAFE_PAYLOAD;
import static dev.cairn.nbd.protocol.NbdProtocol.isOptionError;
import static dev.cairn.nbd.protocol.NbdProtocol.optionName;
import static dev.cairn.nbd.protocol.NbdProtocol.optionReplyName;

import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.protocol.OptionHeader;
import dev.cairn.nbd.protocol.OptionReplyHeader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The client side of fixed newstyle option haggling: greeting, STARTTLS, STRUCTURED_REPLY,
 * SET_META_CONTEXT and GO (falling back to EXPORT_NAME for servers without GO), or LIST. A refusal
 * is an {@link NbdException} whose message is the reason only (the caller names the URL); a
 * malformed reply is a {@link ProtocolViolation}. Every length the server sends is checked before
 * anything is allocated for it.
 */
final class Handshake {
  /** No legitimate option reply comes near this: strings are at most 4096 bytes. */
  static final int MAX_OPTION_REPLY = 64 * 1024;

  private static final int MAX_LISTED_EXPORTS = 65_536;

  private final Wire wire;
  private final NbdUrl url;
  private final NbdClientOptions options;
  private boolean noZeroes;

  Handshake(Wire wire, NbdUrl url, NbdClientOptions options) {
    this.wire = wire;
    this.url = url;
    this.options = options;
  }

  private record OptionReply(int type, byte[] data) {
    ByteBuffer buffer() {
      return ByteBuffer.wrap(data);
    }
  }

  /** Reads the greeting, sends the client flags, and upgrades to TLS when the URL asks for it. */
  void start(SocketTransport socket) throws IOException {
    ByteBuffer greeting = wire.need(16);
    long magic = greeting.getLong();
    long second = greeting.getLong();
    if (magic != NBDMAGIC) {
      throw new ProtocolViolation(
          "it does not greet as an NBD server (magic 0x%016x)".formatted(magic));
    }
    if (second == CLISERV_MAGIC) {
      throw new NbdException("the server uses the oldstyle handshake, which is not supported");
    }
    if (second != IHAVEOPT) {
      throw new ProtocolViolation(
          "its greeting has magic 0x%016x where IHAVEOPT belongs".formatted(second));
    }
    int serverFlags = Short.toUnsignedInt(wire.need(2).getShort());
    if ((serverFlags & FLAG_FIXED_NEWSTYLE) == 0) {
      throw new NbdException("the server does not support the fixed newstyle handshake");
    }
    noZeroes = (serverFlags & FLAG_NO_ZEROES) != 0;
    wire.message().putInt(FLAG_C_FIXED_NEWSTYLE | (noZeroes ? FLAG_C_NO_ZEROES : 0));
    wire.send();
    if (url.tls()) {
      startTls(socket);
    }
  }

  private void startTls(SocketTransport socket) throws IOException {
    sendOption(OPT_STARTTLS, new byte[0]);
    OptionReply reply = readReply(OPT_STARTTLS);
    if (reply.type() != REP_ACK) {
      if (isOptionError(reply.type())) {
        throw new NbdException(
            "the server does not offer TLS (%s%s)"
                .formatted(optionReplyName(reply.type()), ServerText.suffix(reply.data())));
      }
      throw unexpected(OPT_STARTTLS, reply);
    }
    requireEmpty(OPT_STARTTLS, reply);
    if (wire.buffered() > 0) {
      throw new ProtocolViolation("it sent data between the STARTTLS reply and the TLS handshake");
    }
    String hostname =
        options.tlsHostname().orElse(url.socket().isPresent() ? "localhost" : url.host());
    try {
      SSLContext context =
          options.tls().isPresent() ? options.tls().get() : SSLContext.getDefault();
      wire.upgrade(TlsTransport.handshake(socket, context, hostname, url.port()));
    } catch (SSLException e) {
      throw new NbdException("the TLS handshake failed: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new NbdException("the JDK has no default TLS context: " + e.getMessage(), e);
    }
  }

  /** Negotiates structured replies and the meta contexts, then enters transmission. */
  ExportInfo go() throws IOException {
    boolean structured = negotiateStructuredReplies();
    Map<String, Integer> contexts = Map.of();
    if (!options.metaContexts().isEmpty()) {
      if (!structured) {
        throw new NbdException(
            "the server does not support structured replies, which meta contexts need");
      }
      contexts = setMetaContexts();
    }
    return enterTransmission(structured, contexts);
  }

  private boolean negotiateStructuredReplies() throws IOException {
    sendOption(OPT_STRUCTURED_REPLY, new byte[0]);
    OptionReply reply = readReply(OPT_STRUCTURED_REPLY);
    if (reply.type() == REP_ACK) {
      requireEmpty(OPT_STRUCTURED_REPLY, reply);
      return true;
    }
    if (reply.type() == REP_ERR_UNSUP || reply.type() == REP_ERR_POLICY) {
      return false;
    }
    throw refusal(OPT_STRUCTURED_REPLY, reply);
  }

  private Map<String, Integer> setMetaContexts() throws IOException {
    byte[] export = url.exportName().getBytes(StandardCharsets.UTF_8);
    List<byte[]> queries = options.metaContexts().stream().map(Handshake::utf8).toList();
    int size = 4 + export.length + 4 + queries.stream().mapToInt(q -> 4 + q.length).sum();
    ByteBuffer data = ByteBuffer.allocate(size).putInt(export.length).put(export);
    data.putInt(queries.size());
    queries.forEach(query -> data.putInt(query.length).put(query));
    sendOption(OPT_SET_META_CONTEXT, data.array());

    Map<String, Integer> contexts = new LinkedHashMap<>();
    Set<Integer> ids = new HashSet<>();
    while (true) {
      OptionReply reply = readReply(OPT_SET_META_CONTEXT);
      if (reply.type() == REP_ACK) {
        requireEmpty(OPT_SET_META_CONTEXT, reply);
        break;
      }
      if (reply.type() != REP_META_CONTEXT) {
        throw refusalOrUnexpected(OPT_SET_META_CONTEXT, reply);
      }
      if (reply.data().length < 4) {
        throw new ProtocolViolation(
            "its NBD_REP_META_CONTEXT reply has %d bytes, fewer than 4"
                .formatted(reply.data().length));
      }
      ByteBuffer buffer = reply.buffer();
      int id = buffer.getInt();
      String name = new String(reply.data(), 4, reply.data().length - 4, StandardCharsets.UTF_8);
      if (!ids.add(id)) {
        throw new ProtocolViolation("it gave meta context id %d twice".formatted(id));
      }
      contexts.put(name, id);
    }
    for (String wanted : options.metaContexts()) {
      if (!contexts.containsKey(wanted)) {
        throw new NbdException(
            "the server does not offer meta context '%s' for export '%s'"
                .formatted(wanted, url.exportName()));
      }
    }
    return Map.copyOf(contexts);
  }

  private ExportInfo enterTransmission(boolean structured, Map<String, Integer> contexts)
      throws IOException {
    byte[] export = url.exportName().getBytes(StandardCharsets.UTF_8);
    ByteBuffer data = ByteBuffer.allocate(4 + export.length + 2 + 4);
    data.putInt(export.length).put(export).putShort((short) 2);
    data.putShort((short) INFO_EXPORT).putShort((short) INFO_BLOCK_SIZE);
    sendOption(OPT_GO, data.array());

    long size = -1;
    int flags = 0;
    int minimum = 1;
    int preferred = 4096;
    long maximum = SAFE_PAYLOAD;
    while (true) {
      OptionReply reply = readReply(OPT_GO);
      if (reply.type() == REP_ACK) {
        requireEmpty(OPT_GO, reply);
        if (size < 0) {
          throw new ProtocolViolation("it accepted NBD_OPT_GO without sending NBD_INFO_EXPORT");
        }
        break;
      }
      if (reply.type() == REP_ERR_UNSUP) {
        return exportName(structured, contexts);
      }
      if (reply.type() != REP_INFO) {
        throw refusalOrUnexpected(OPT_GO, reply);
      }
      ByteBuffer info = reply.buffer();
      if (info.remaining() < 2) {
        throw new ProtocolViolation("it sent an NBD_REP_INFO reply without an information type");
      }
      int type = Short.toUnsignedInt(info.getShort());
      if (type == INFO_EXPORT) {
        requireLength("NBD_INFO_EXPORT", reply, INFO_EXPORT_LENGTH);
        size = exportSize(info.getLong());
        flags = Short.toUnsignedInt(info.getShort());
      } else if (type == INFO_BLOCK_SIZE) {
        requireLength("NBD_INFO_BLOCK_SIZE", reply, INFO_BLOCK_SIZE_LENGTH);
        minimum = info.getInt();
        preferred = info.getInt();
        maximum = Integer.toUnsignedLong(info.getInt());
        if (minimum < 1 || minimum > MAX_MINIMUM_BLOCK_SIZE || Integer.bitCount(minimum) != 1) {
          throw new ProtocolViolation(
              "its minimum block size %d is not a power of two up to 64 KiB"
                  .formatted(Integer.toUnsignedLong(minimum)));
        }
        if (maximum < minimum) {
          throw new ProtocolViolation(
              "its maximum payload %d is below its minimum block size %d"
                  .formatted(maximum, minimum));
        }
      }
      // NBD_INFO_NAME, NBD_INFO_DESCRIPTION and unknown types are ignored, as the spec asks.
    }
    if (preferred < minimum || Integer.bitCount(preferred) != 1) {
      preferred = Math.max(minimum, 4096);
    }
    long capped = Math.min(maximum, SAFE_PAYLOAD);
    int maxPayload = (int) (capped - capped % minimum);
    return new ExportInfo(size, flags, minimum, preferred, maxPayload, structured, contexts);
  }

  /** The pre-GO way in, for old servers: no error reply, the server just hangs up on refusal. */
  private ExportInfo exportName(boolean structured, Map<String, Integer> contexts)
      throws IOException {
    sendOption(OPT_EXPORT_NAME, utf8(url.exportName()));
    long size;
    int flags;
    try {
      ByteBuffer reply = wire.need(10);
      size = exportSize(reply.getLong());
      flags = Short.toUnsignedInt(reply.getShort());
      if (!noZeroes) {
        wire.skip(EXPORT_NAME_PADDING);
      }
    } catch (EOFException e) {
      throw new NbdException(
          "the server closed the connection on NBD_OPT_EXPORT_NAME: it has no export '%s'"
              .formatted(url.exportName()));
    }
    return new ExportInfo(size, flags, 1, 4096, SAFE_PAYLOAD, structured, contexts);
  }

  /** Lists the server's exports (NBD_OPT_LIST). */
  List<String> list() throws IOException {
    sendOption(OPT_LIST, new byte[0]);
    List<String> names = new ArrayList<>();
    while (true) {
      OptionReply reply = readReply(OPT_LIST);
      if (reply.type() == REP_ACK) {
        requireEmpty(OPT_LIST, reply);
        return List.copyOf(names);
      }
      if (reply.type() != REP_SERVER) {
        throw refusalOrUnexpected(OPT_LIST, reply);
      }
      ByteBuffer data = reply.buffer();
      long nameLength = data.remaining() < 4 ? -1 : Integer.toUnsignedLong(data.getInt());
      if (nameLength < 0 || nameLength > data.remaining()) {
        throw new ProtocolViolation(
            "its NBD_REP_SERVER reply of %d bytes has an export name that does not fit"
                .formatted(reply.data().length));
      }
      if (names.size() == MAX_LISTED_EXPORTS) {
        throw new ProtocolViolation("it lists more than %d exports".formatted(MAX_LISTED_EXPORTS));
      }
      names.add(new String(reply.data(), 4, (int) nameLength, StandardCharsets.UTF_8));
    }
  }

  /**
   * Ends haggling politely (NBD_OPT_ABORT) when nothing went wrong on the wire; waits for the
   * server's acknowledgement only if {@code awaitReply}.
   */
  void abort(boolean awaitReply) {
    try {
      sendOption(OPT_ABORT, new byte[0]);
      if (awaitReply) {
        readReply(OPT_ABORT);
      }
    } catch (IOException | RuntimeException ignored) {
      // The spec lets the server close without replying; either way the session is over.
    }
  }

  private void sendOption(int option, byte[] data) throws IOException {
    new OptionHeader(option, data.length).writeTo(wire.message());
    wire.send(ByteBuffer.wrap(data));
  }

  private OptionReply readReply(int option) throws IOException {
    ByteBuffer buffer = wire.need(OptionReplyHeader.SIZE);
    long magic = buffer.getLong(buffer.position());
    if (magic != OPTION_REPLY_MAGIC) {
      throw new ProtocolViolation(
          "its reply to %s has magic 0x%016x".formatted(optionName(option), magic));
    }
    OptionReplyHeader header = OptionReplyHeader.readFrom(buffer);
    if (header.option() != option) {
      throw new ProtocolViolation(
          "it answered %s while %s was pending"
              .formatted(optionName(header.option()), optionName(option)));
    }
    if (header.unsignedLength() > MAX_OPTION_REPLY) {
      throw new ProtocolViolation(
          "its %s reply to %s claims %d bytes (limit %d)"
              .formatted(
                  optionReplyName(header.type()),
                  optionName(option),
                  header.unsignedLength(),
                  MAX_OPTION_REPLY));
    }
    return new OptionReply(header.type(), wire.readBytes(header.length()));
  }

  private NbdException refusalOrUnexpected(int option, OptionReply reply) {
    return isOptionError(reply.type()) ? refusal(option, reply) : unexpected(option, reply);
  }

  private NbdException refusal(int option, OptionReply reply) {
    String text = ServerText.suffix(reply.data());
    return switch (reply.type()) {
      case REP_ERR_TLS_REQD ->
          new NbdException(
              url.tls()
                  ? "the server requires TLS for %s%s".formatted(optionName(option), text)
                  : "the server requires TLS; use an nbds:// or nbds+unix:// URL" + text);
      case REP_ERR_UNKNOWN ->
          new NbdException("the server has no export '%s'%s".formatted(url.exportName(), text));
      case REP_ERR_SHUTDOWN -> new NbdException("the server is shutting down" + text);
      default ->
          isOptionError(reply.type())
              ? new NbdException(
                  "the server refused %s with %s%s"
                      .formatted(optionName(option), optionReplyName(reply.type()), text))
              : unexpected(option, reply);
    };
  }

  private static ProtocolViolation unexpected(int option, OptionReply reply) {
    return new ProtocolViolation(
        "it answered %s with unexpected %s"
            .formatted(optionName(option), optionReplyName(reply.type())));
  }

  private static void requireEmpty(int option, OptionReply reply) throws ProtocolViolation {
    if (reply.data().length != 0) {
      throw new ProtocolViolation(
          "its NBD_REP_ACK to %s carries %d bytes"
              .formatted(optionName(option), reply.data().length));
    }
  }

  private static void requireLength(String what, OptionReply reply, int length)
      throws ProtocolViolation {
    if (reply.data().length != length) {
      throw new ProtocolViolation(
          "its %s reply has %d bytes instead of %d".formatted(what, reply.data().length, length));
    }
  }

  private static long exportSize(long size) throws ProtocolViolation {
    if (size < 0) {
      throw new ProtocolViolation(
          "it gives an export size of %s bytes, beyond 2^63"
              .formatted(Long.toUnsignedString(size)));
    }
    return size;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
