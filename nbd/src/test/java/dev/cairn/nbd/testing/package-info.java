/**
 * Test support: finding external tools (failing under CI when one is missing) and running real NBD
 * servers (qemu-nbd, nbdkit) on Unix sockets in a test's temporary directory.
 */
package dev.cairn.nbd.testing;
