package dev.cairn.nbd.server;

import dev.cairn.nbd.protocol.NbdProtocol;

/**
 * What a client settled on in the handshake and keeps for the transmission phase.
 *
 * @param exportName the export's name, for log lines
 * @param backend what the export serves
 * @param structuredReplies whether the client negotiated NBD_OPT_STRUCTURED_REPLY
 * @param allocationContext whether base:allocation is selected for this export, so BLOCK_STATUS is
 *     allowed
 */
record Session(
    String exportName,
    ExportBackend backend,
    boolean structuredReplies,
    boolean allocationContext) {

  /** The id the server gives base:allocation in NBD_REP_META_CONTEXT and block-status chunks. */
  static final int ALLOCATION_CONTEXT_ID = 1;

  /** The transmission flags of {@code backend} as served to a client with these replies. */
  static int transmissionFlags(ExportBackend backend, boolean structuredReplies) {
    int flags = NbdProtocol.FLAG_HAS_FLAGS | NbdProtocol.FLAG_SEND_FLUSH;
    // Every connection shares the one backend and a flush reaches all of it, which is exactly what
    // multi-conn promises.
    flags |= NbdProtocol.FLAG_CAN_MULTI_CONN;
    if (backend.readOnly()) {
      flags |= NbdProtocol.FLAG_READ_ONLY;
    } else {
      flags |=
          NbdProtocol.FLAG_SEND_FUA
              | NbdProtocol.FLAG_SEND_TRIM
              | NbdProtocol.FLAG_SEND_WRITE_ZEROES;
    }
    if (structuredReplies) {
      flags |= NbdProtocol.FLAG_SEND_DF;
    }
    return flags;
  }

  int transmissionFlags() {
    return transmissionFlags(backend, structuredReplies);
  }
}
