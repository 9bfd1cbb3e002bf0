package dev.cairn.nbd.protocol;

import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;

/**
 * A simple reply: the error (0 for success) and the request's cookie; a successful reply to a read
 * is followed by the data when structured replies were not negotiated.
 *
 * @param error the error number ({@code NbdProtocol.E*}), 0 for success
 * @param cookie the cookie of the request answered
 */
public record SimpleReplyHeader(int error, long cookie) {
  public static final int SIZE = 16;

  public void writeTo(ByteBuffer out) {
    out.putInt(NbdProtocol.SIMPLE_REPLY_MAGIC).putInt(error).putLong(cookie);
  }

  /**
   * Reads a header from {@code in}, which holds at least {@link #SIZE} bytes.
   *
   * @throws NbdException if the magic is wrong
   */
  public static SimpleReplyHeader readFrom(ByteBuffer in) throws NbdException {
    int magic = in.getInt();
    if (magic != NbdProtocol.SIMPLE_REPLY_MAGIC) {
      throw new NbdException(
          "Cannot decode an NBD simple reply: magic 0x%08x is not NBD_SIMPLE_REPLY_MAGIC"
              .formatted(magic));
    }
    return new SimpleReplyHeader(in.getInt(), in.getLong());
  }
}
