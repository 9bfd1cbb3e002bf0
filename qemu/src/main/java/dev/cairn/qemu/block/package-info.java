/**
 * What a running QEMU holds in its block layer, read through QMP: the disks worth backing up (a
 * writable image behind a guest device, or a top-level node of a {@code qemu-storage-daemon}),
 * their sizes, formats and dirty bitmaps.
 */
package dev.cairn.qemu.block;
