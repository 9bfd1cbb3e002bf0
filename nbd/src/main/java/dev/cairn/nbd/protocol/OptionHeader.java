package dev.cairn.nbd.protocol;

import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;

/**
 * The header of an option the client sends during haggling: {@code IHAVEOPT}, the option, and the
 * length of the data that follows.
 *
 * @param option the option number ({@code NbdProtocol.OPT_*})
 * @param length the data length in bytes, unsigned 32 bits
 */
public record OptionHeader(int option, int length) {
  public static final int SIZE = 16;

  public void writeTo(ByteBuffer out) {
    out.putLong(NbdProtocol.IHAVEOPT).putInt(option).putInt(length);
  }

  /**
   * Reads a header from {@code in}, which holds at least {@link #SIZE} bytes.
   *
   * @throws NbdException if the magic is not {@code IHAVEOPT}
   */
  public static OptionHeader readFrom(ByteBuffer in) throws NbdException {
    long magic = in.getLong();
    if (magic != NbdProtocol.IHAVEOPT) {
      throw new NbdException(
          "Cannot decode an NBD option: magic 0x%016x is not IHAVEOPT".formatted(magic));
    }
    return new OptionHeader(in.getInt(), in.getInt());
  }

  public long unsignedLength() {
    return Integer.toUnsignedLong(length);
  }
}
