/** An NBD server that serves {@link dev.cairn.nbd.server.ExportBackend}s. */
package dev.cairn.nbd.server;
