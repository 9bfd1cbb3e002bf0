package dev.cairn.nbd.server;

import static dev.cairn.nbd.protocol.NbdProtocol.*;
import static dev.cairn.nbd.server.ServerWire.*;

import java.nio.ByteBuffer;

/**
 * One transmission request as read from the wire.
 *
 * @param flags the command flags
 * @param type the command
 * @param cookie the client's opaque tag, echoed in every reply
 * @param offset the export offset; unsigned on the wire, so a negative value is past any export
 * @param length the length, unsigned 32 bits widened
 */
record Request(int flags, int type, long cookie, long offset, long length) {

  /** Decodes a request header whose magic was already checked. */
  static Request decode(ByteBuffer header) {
    int flags = Short.toUnsignedInt(header.getShort(4));
    int type = Short.toUnsignedInt(header.getShort(6));
    return new Request(
        flags,
        type,
        header.getLong(8),
        header.getLong(16),
        Integer.toUnsignedLong(header.getInt(24)));
  }

  /** Whether {@code [offset, offset + length)} lies within an export of {@code size} bytes. */
  boolean within(long size) {
    return offset >= 0 && offset <= size && length <= size - offset;
  }

  boolean has(int flag) {
    return (flags & flag) != 0;
  }

  /** What the command does, for log lines. */
  String describe() {
    String name =
        switch (type) {
          case CMD_READ -> "read";
          case CMD_WRITE -> "write";
          case CMD_WRITE_ZEROES -> "write zeroes to";
          case CMD_TRIM -> "trim";
          case CMD_FLUSH -> "flush";
          case CMD_BLOCK_STATUS -> "query the allocation of";
          default -> "run command " + type + " on";
        };
    return type == CMD_FLUSH ? name : name + " " + length + " bytes at " + offset + " of";
  }
}
