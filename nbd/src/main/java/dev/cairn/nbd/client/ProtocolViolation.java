package dev.cairn.nbd.client;

import dev.cairn.nbd.NbdException;

/**
 * The server broke the protocol; the message says how. The connection cannot be trusted after this
 * (the byte stream may be out of step), so the client closes it.
 */
final class ProtocolViolation extends NbdException {
  ProtocolViolation(String reason) {
    super(reason);
  }
}
