package dev.cairn.nbd.protocol;

import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;

/**
 * The header of one structured reply chunk; {@code length} bytes of payload follow.
 *
 * @param flags reply flags ({@code NbdProtocol.REPLY_FLAG_DONE} marks the last chunk), unsigned 16
 *     bits
 * @param type the chunk type ({@code NbdProtocol.REPLY_TYPE_*}), unsigned 16 bits
 * @param cookie the cookie of the request answered
 * @param length the payload length, unsigned 32 bits
 */
public record ChunkHeader(int flags, int type, long cookie, int length) {
  public static final int SIZE = 20;

  public void writeTo(ByteBuffer out) {
    out.putInt(NbdProtocol.STRUCTURED_REPLY_MAGIC)
        .putShort((short) flags)
        .putShort((short) type)
        .putLong(cookie)
        .putInt(length);
  }

  /**
   * Reads a header from {@code in}, which holds at least {@link #SIZE} bytes.
   *
   * @throws NbdException if the magic is wrong
   */
  public static ChunkHeader readFrom(ByteBuffer in) throws NbdException {
    int magic = in.getInt();
    if (magic != NbdProtocol.STRUCTURED_REPLY_MAGIC) {
      throw new NbdException(
          "Cannot decode an NBD structured reply: magic 0x%08x is not NBD_STRUCTURED_REPLY_MAGIC"
              .formatted(magic));
    }
    return new ChunkHeader(
        Short.toUnsignedInt(in.getShort()),
        Short.toUnsignedInt(in.getShort()),
        in.getLong(),
        in.getInt());
  }

  public long unsignedLength() {
    return Integer.toUnsignedLong(length);
  }

  public boolean isDone() {
    return (flags & NbdProtocol.REPLY_FLAG_DONE) != 0;
  }

  public boolean isError() {
    return (type & NbdProtocol.REPLY_TYPE_FLAG_ERROR) != 0;
  }
}
