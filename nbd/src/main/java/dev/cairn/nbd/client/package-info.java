/**
 * An NBD client: one {@link dev.cairn.nbd.client.NbdClient} per connection, over TCP or a Unix
 * socket, optionally TLS. Everything else here is internal: the handshake, the transmission phase
 * that checks every reply before trusting it, the buffered wire, the transports, and the stall
 * guard that turns a silent server into a timeout. Every failure reaches the caller as an {@link
 * dev.cairn.nbd.NbdException} naming the export.
 */
package dev.cairn.nbd.client;
