/**
 * The NBD wire format shared by the client and the server: the protocol's numbers ({@link
 * dev.cairn.nbd.protocol.NbdProtocol}) and the fixed-size message headers, each a record that
 * writes itself to and reads itself from a big-endian {@link java.nio.ByteBuffer}. Decoding checks
 * the magic and fails with an {@link dev.cairn.nbd.NbdException}; it knows nothing of sockets.
 */
package dev.cairn.nbd.protocol;
