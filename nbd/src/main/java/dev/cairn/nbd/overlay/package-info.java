/**
 * Writable views of read-only exports: {@link dev.cairn.nbd.overlay.CopyOnWriteBackend} keeps a
 * guest's writes in a local overlay file so a restore point can boot without being changed.
 */
package dev.cairn.nbd.overlay;
