package dev.cairn.qemu.backup;

import java.util.Optional;

/**
 * One disk of an open backup session: where its point-in-time view is served and what to read.
 *
 * @param name the disk's stable name (drive id, device id or node name); the key of {@code
 *     previousCheckpoints} in the next session
 * @param nodeName the QEMU node that was backed up
 * @param device the drive id ({@code -drive id=}), if any
 * @param qdev the guest device's QOM path, if any
 * @param size the disk size in bytes
 * @param nbdUrl the read-only NBD export of the point-in-time view, e.g. {@code
 *     nbd+unix:///vda?socket=/run/cairn/cairn-1a2b3c4d-nbd.sock}
 * @param dirtyBitmapContext for an incremental backup, the NBD meta context that lists what changed
 *     since the previous checkpoint ({@code qemu:dirty-bitmap:NAME}); empty for a full backup
 * @param newCheckpoint the bitmap that records writes from this backup's point in time on; record
 *     it in the restore point, pass it as the previous checkpoint next time
 * @param fullReason why the backup of this disk must be full (no previous checkpoint, bitmap
 *     missing or inconsistent...); empty for an incremental backup
 */
public record ExportedDisk(
    String name,
    String nodeName,
    Optional<String> device,
    Optional<String> qdev,
    long size,
    String nbdUrl,
    Optional<String> dirtyBitmapContext,
    String newCheckpoint,
    Optional<String> fullReason) {

  /** Whether only the ranges in {@link #dirtyBitmapContext} need to be read. */
  public boolean incremental() {
    return dirtyBitmapContext.isPresent();
  }
}
