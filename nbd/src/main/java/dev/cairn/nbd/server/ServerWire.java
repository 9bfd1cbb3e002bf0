package dev.cairn.nbd.server;

import dev.cairn.nbd.protocol.NbdProtocol;

/**
 * Sizes the server chooses, beyond the protocol numbers shared with the client in {@link
 * NbdProtocol}.
 */
final class ServerWire {
  private ServerWire() {}

  /** Bytes of a request header: magic, flags, type, cookie, offset, length. */
  static final int REQUEST_HEADER_SIZE = 28;

  // Size constraints advertised with NBD_INFO_BLOCK_SIZE.
  static final int MIN_BLOCK_SIZE = 1;
  static final int PREFERRED_BLOCK_SIZE = 4096;

  /** The largest READ or WRITE payload served: 32 MiB, the spec's interoperable maximum. */
  static final int MAX_PAYLOAD = NbdProtocol.SAFE_PAYLOAD;

  /** The longest string (export name, query) the specification allows. */
  static final int MAX_STRING = NbdProtocol.MAX_STRING_LENGTH;
}
