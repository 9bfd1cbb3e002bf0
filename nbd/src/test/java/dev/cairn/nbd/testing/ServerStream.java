package dev.cairn.nbd.testing;

import static dev.cairn.nbd.protocol.NbdProtocol.BASE_ALLOCATION;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_FIXED_NEWSTYLE;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_HAS_FLAGS;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_NO_ZEROES;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_SEND_FLUSH;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_SEND_TRIM;
import static dev.cairn.nbd.protocol.NbdProtocol.FLAG_SEND_WRITE_ZEROES;
import static dev.cairn.nbd.protocol.NbdProtocol.IHAVEOPT;
import static dev.cairn.nbd.protocol.NbdProtocol.INFO_BLOCK_SIZE;
import static dev.cairn.nbd.protocol.NbdProtocol.INFO_EXPORT;
import static dev.cairn.nbd.protocol.NbdProtocol.NBDMAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_GO;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_SET_META_CONTEXT;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_STRUCTURED_REPLY;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_FLAG_DONE;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_BLOCK_STATUS;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_ERROR;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_NONE;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_OFFSET_DATA;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_OFFSET_HOLE;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ACK;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_INFO;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_META_CONTEXT;
import static dev.cairn.nbd.protocol.NbdProtocol.SAFE_PAYLOAD;

import dev.cairn.nbd.protocol.ChunkHeader;
import dev.cairn.nbd.protocol.OptionReplyHeader;
import dev.cairn.nbd.protocol.SimpleReplyHeader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds the bytes an NBD server sends, message by message, for scripted fake servers. The client
 * under test numbers its requests' cookies from 1, so a script can answer them in advance.
 */
public final class ServerStream {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  /** The fixed newstyle greeting with NO_ZEROES. */
  public ServerStream greeting() {
    return raw(
        ByteBuffer.allocate(18)
            .putLong(NBDMAGIC)
            .putLong(IHAVEOPT)
            .putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)));
  }

  public ServerStream optionReply(int option, int type, byte[] data) {
    ByteBuffer message = ByteBuffer.allocate(OptionReplyHeader.SIZE + data.length);
    new OptionReplyHeader(option, type, data.length).writeTo(message);
    return raw(message.put(data));
  }

  public ServerStream ack(int option) {
    return optionReply(option, REP_ACK, new byte[0]);
  }

  public ServerStream metaContext(int id, String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    return optionReply(
        OPT_SET_META_CONTEXT,
        REP_META_CONTEXT,
        ByteBuffer.allocate(4 + utf8.length).putInt(id).put(utf8).array());
  }

  /** Replies to NBD_OPT_GO with the export's size and flags (and a block-size answer), then ACK. */
  public ServerStream go(long size, int flags) {
    optionReply(
        OPT_GO,
        REP_INFO,
        ByteBuffer.allocate(12)
            .putShort((short) INFO_EXPORT)
            .putLong(size)
            .putShort((short) flags)
            .array());
    optionReply(
        OPT_GO,
        REP_INFO,
        ByteBuffer.allocate(14)
            .putShort((short) INFO_BLOCK_SIZE)
            .putInt(1)
            .putInt(4096)
            .putInt(SAFE_PAYLOAD)
            .array());
    return ack(OPT_GO);
  }

  /** Greeting, structured replies, optionally base:allocation as context 1, then GO. */
  public ServerStream handshake(long size, boolean baseAllocation) {
    greeting().ack(OPT_STRUCTURED_REPLY);
    if (baseAllocation) {
      metaContext(1, BASE_ALLOCATION).ack(OPT_SET_META_CONTEXT);
    }
    return go(size, FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_WRITE_ZEROES | FLAG_SEND_TRIM);
  }

  public ServerStream chunk(int flags, int type, long cookie, byte[] payload) {
    ByteBuffer message = ByteBuffer.allocate(ChunkHeader.SIZE + payload.length);
    new ChunkHeader(flags, type, cookie, payload.length).writeTo(message);
    return raw(message.put(payload));
  }

  public ServerStream offsetData(long cookie, long offset, byte[] data, boolean done) {
    byte[] payload = ByteBuffer.allocate(8 + data.length).putLong(offset).put(data).array();
    return chunk(done ? REPLY_FLAG_DONE : 0, REPLY_TYPE_OFFSET_DATA, cookie, payload);
  }

  public ServerStream offsetHole(long cookie, long offset, int length, boolean done) {
    byte[] payload = ByteBuffer.allocate(12).putLong(offset).putInt(length).array();
    return chunk(done ? REPLY_FLAG_DONE : 0, REPLY_TYPE_OFFSET_HOLE, cookie, payload);
  }

  public ServerStream none(long cookie) {
    return chunk(REPLY_FLAG_DONE, REPLY_TYPE_NONE, cookie, new byte[0]);
  }

  public ServerStream error(long cookie, int error, String message, boolean done) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    byte[] payload =
        ByteBuffer.allocate(6 + text.length)
            .putInt(error)
            .putShort((short) text.length)
            .put(text)
            .array();
    return chunk(done ? REPLY_FLAG_DONE : 0, REPLY_TYPE_ERROR, cookie, payload);
  }

  /** A block-status chunk for context {@code id}: pairs of (length, flags). */
  public ServerStream blockStatus(long cookie, int id, boolean done, long... lengthsAndFlags) {
    ByteBuffer payload = ByteBuffer.allocate(4 + 4 * lengthsAndFlags.length).putInt(id);
    for (long value : lengthsAndFlags) {
      payload.putInt((int) value);
    }
    return chunk(done ? REPLY_FLAG_DONE : 0, REPLY_TYPE_BLOCK_STATUS, cookie, payload.array());
  }

  public ServerStream simpleReply(long cookie, int error, byte[] data) {
    ByteBuffer message = ByteBuffer.allocate(SimpleReplyHeader.SIZE + data.length);
    new SimpleReplyHeader(error, cookie).writeTo(message);
    return raw(message.put(data));
  }

  public ServerStream raw(ByteBuffer buffer) {
    bytes.write(buffer.array(), 0, buffer.position());
    return this;
  }

  public ServerStream raw(byte[] data) {
    bytes.writeBytes(data);
    return this;
  }

  public byte[] toByteArray() {
    return bytes.toByteArray();
  }
}
