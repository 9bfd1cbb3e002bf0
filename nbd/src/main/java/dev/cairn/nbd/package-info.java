/**
 * The Network Block Device protocol (fixed newstyle handshake, structured replies, meta contexts),
 * written from the protocol specification, knowing nothing of Cairn's repository. {@link
 * dev.cairn.nbd.NbdUrl} parses the URLs QEMU and libnbd use; {@code client} reads and writes
 * exports; {@code server} serves an {@link dev.cairn.nbd.server.ExportBackend}.
 */
package dev.cairn.nbd;
