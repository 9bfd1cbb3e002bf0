/**
 * An NBD server that serves {@link dev.cairn.nbd.server.ExportBackend}s to hypervisors and NBD
 * tools: {@link dev.cairn.nbd.server.NbdServer} owns the listening socket and the connections; the
 * package-private classes own the handshake, the transmission phase and the reply encoding.
 */
package dev.cairn.nbd.server;
