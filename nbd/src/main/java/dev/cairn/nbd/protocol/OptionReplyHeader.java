package dev.cairn.nbd.protocol;

import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;

/**
 * The header of a server's reply to an option: the reply magic, the option it answers, the reply
 * type and the length of the data that follows.
 *
 * @param option the option answered
 * @param type the reply type ({@code NbdProtocol.REP_*}); errors have bit 31 set
 * @param length the data length in bytes, unsigned 32 bits
 */
public record OptionReplyHeader(int option, int type, int length) {
  public static final int SIZE = 20;

  public void writeTo(ByteBuffer out) {
    out.putLong(NbdProtocol.OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(length);
  }

  /**
   * Reads a header from {@code in}, which holds at least {@link #SIZE} bytes.
   *
   * @throws NbdException if the magic is wrong
   */
  public static OptionReplyHeader readFrom(ByteBuffer in) throws NbdException {
    long magic = in.getLong();
    if (magic != NbdProtocol.OPTION_REPLY_MAGIC) {
      throw new NbdException(
          "Cannot decode an NBD option reply: magic 0x%016x is not the option reply magic"
              .formatted(magic));
    }
    return new OptionReplyHeader(in.getInt(), in.getInt(), in.getInt());
  }

  public long unsignedLength() {
    return Integer.toUnsignedLong(length);
  }

  public boolean isError() {
    return NbdProtocol.isOptionError(type);
  }
}
