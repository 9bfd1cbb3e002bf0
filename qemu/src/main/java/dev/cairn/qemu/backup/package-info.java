/**
 * Backup sessions against a running QEMU: {@link dev.cairn.qemu.backup.QemuBackupSession} starts a
 * checkpoint bitmap per disk, freezes the previous one and takes a point-in-time view, all in one
 * QMP transaction; exports the views over NBD; and afterwards removes everything it created,
 * keeping or rolling back the checkpoints depending on whether the restore point was committed.
 *
 * <p>Everything Cairn creates in QEMU is named with the {@code cairn-} prefix (bitmaps, nodes,
 * jobs, exports) and every temporary file with {@code cairn-<qemu tag>-}, so that what a crashed
 * Cairn left behind is recognised and removed when the next session starts.
 */
package dev.cairn.qemu.backup;
