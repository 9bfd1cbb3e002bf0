package dev.cairn.nbd.server;

import java.io.IOException;

/**
 * The client broke a rule of the protocol that leaves the byte stream impossible to follow (bad
 * magic, unknown client flags, a payload too large to accept). The server answers it by dropping
 * that client's connection, the hard disconnect the specification allows.
 */
final class ProtocolViolation extends IOException {
  ProtocolViolation(String reason) {
    super(reason);
  }
}
