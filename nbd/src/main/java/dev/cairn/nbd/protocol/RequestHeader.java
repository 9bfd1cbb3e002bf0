package dev.cairn.nbd.protocol;

import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;

/**
 * A transmission request as the client sends it; an {@code NBD_CMD_WRITE} is followed by {@code
 * length} bytes of data.
 *
 * @param flags command flags ({@code NbdProtocol.CMD_FLAG_*}), unsigned 16 bits
 * @param type the command ({@code NbdProtocol.CMD_*}), unsigned 16 bits
 * @param cookie opaque value the server echoes in the reply
 * @param offset byte offset in the export, unsigned 64 bits
 * @param length byte count, unsigned 32 bits
 */
public record RequestHeader(int flags, int type, long cookie, long offset, int length) {
  public static final int SIZE = 28;

  public void writeTo(ByteBuffer out) {
    out.putInt(NbdProtocol.REQUEST_MAGIC)
        .putShort((short) flags)
        .putShort((short) type)
        .putLong(cookie)
        .putLong(offset)
        .putInt(length);
  }

  /**
   * Reads a request from {@code in}, which holds at least {@link #SIZE} bytes.
   *
   * @throws NbdException if the magic is wrong
   */
  public static RequestHeader readFrom(ByteBuffer in) throws NbdException {
    int magic = in.getInt();
    if (magic != NbdProtocol.REQUEST_MAGIC) {
      throw new NbdException(
          "Cannot decode an NBD request: magic 0x%08x is not NBD_REQUEST_MAGIC".formatted(magic));
    }
    return new RequestHeader(
        Short.toUnsignedInt(in.getShort()),
        Short.toUnsignedInt(in.getShort()),
        in.getLong(),
        in.getLong(),
        in.getInt());
  }

  public long unsignedLength() {
    return Integer.toUnsignedLong(length);
  }
}
