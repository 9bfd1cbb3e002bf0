package dev.cairn.nbd.client;

import java.util.Map;

/**
 * What the handshake settled for the export.
 *
 * @param size export size in bytes
 * @param flags transmission flags ({@code NbdProtocol.FLAG_*})
 * @param minBlockSize alignment every request must keep (1 when the server set none)
 * @param preferredBlockSize the size below which I/O is inefficient
 * @param maxPayload the largest READ/WRITE request, a multiple of {@code minBlockSize}
 * @param structuredReplies whether the server sends structured replies
 * @param contexts the negotiated meta contexts, name to id
 */
record ExportInfo(
    long size,
    int flags,
    int minBlockSize,
    int preferredBlockSize,
    int maxPayload,
    boolean structuredReplies,
    Map<String, Integer> contexts) {
  boolean has(int flag) {
    return (flags & flag) != 0;
  }
}
