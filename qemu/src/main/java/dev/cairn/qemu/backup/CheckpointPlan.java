package dev.cairn.qemu.backup;

import dev.cairn.qemu.block.DirtyBitmap;
import dev.cairn.qemu.block.QemuDisk;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a session does with the bitmaps of one disk before its transaction: which previous
 * checkpoint it freezes and exports (none for a full backup, with the reason), and how it repairs
 * what an interrupted session left.
 *
 * <p>The rule that decides everything: an incremental backup is taken only from a bitmap that has
 * recorded every write since the previous restore point. When in doubt the backup is full, with a
 * reason, never an incremental with holes. Other {@code cairn-} bitmaps on the disk come from an
 * interrupted session or an abandoned backup chain (Cairn keeps one chain per disk) and are
 * removed, after their writes were handed to the checkpoint when it needs them.
 *
 * @param base the previous checkpoint to freeze and export; empty for a full backup
 * @param fullReason why the backup is full; empty when incremental
 * @param mergeIntoBase bitmaps whose writes the base takes over before it is used
 * @param enableBase whether the base must record again (an interrupted session froze it)
 * @param remove bitmaps to remove before the transaction
 * @param warnings what the plan repaired, for the session's warnings
 */
record CheckpointPlan(
    Optional<String> base,
    Optional<String> fullReason,
    List<String> mergeIntoBase,
    boolean enableBase,
    List<String> remove,
    List<String> warnings) {

  static final String PREFIX = "cairn-";

  /**
   * Plans the checkpoint of {@code disk} given the checkpoint its last restore point recorded.
   *
   * @param subject the disk in messages, {@code disk vda of QEMU at /run/vm.sock}
   * @throws QemuBackupException when a bitmap Cairn must change is in use by a job or export
   */
  static CheckpointPlan decide(QemuDisk disk, Optional<String> previous, String subject)
      throws QemuBackupException {
    List<DirtyBitmap> leftovers =
        disk.bitmaps().stream()
            .filter(b -> b.name().startsWith(PREFIX))
            .filter(b -> previous.map(p -> !p.equals(b.name())).orElse(true))
            .toList();
    for (DirtyBitmap leftover : leftovers) {
      if (leftover.busy()) {
        throw inUse(subject, leftover.name());
      }
    }
    List<String> leftoverNames = leftovers.stream().map(DirtyBitmap::name).toList();
    List<String> warnings = new ArrayList<>();
    leftoverNames.forEach(
        name ->
            warnings.add(
                subject
                    + ": removed bitmap "
                    + name
                    + " left by an earlier or interrupted backup"));

    if (previous.isEmpty()) {
      return full("no previous checkpoint", leftoverNames, warnings);
    }
    String checkpoint = previous.get();
    if (!checkpoint.startsWith(PREFIX)) {
      // Never freeze, merge into or remove a bitmap someone else manages.
      return full(
          "previous checkpoint " + checkpoint + " is not a Cairn bitmap", leftoverNames, warnings);
    }
    Optional<DirtyBitmap> found = disk.bitmap(checkpoint);
    if (found.isEmpty()) {
      return full(missingReason(disk, checkpoint), leftoverNames, warnings);
    }
    DirtyBitmap bitmap = found.get();
    List<String> removeWithBase = new ArrayList<>(leftoverNames);
    removeWithBase.add(checkpoint);
    if (bitmap.inconsistent()) {
      return full(
          "checkpoint bitmap "
              + checkpoint
              + " is inconsistent: QEMU stopped without saving it (killed or crashed)",
          removeWithBase,
          warnings);
    }
    if (bitmap.busy()) {
      throw inUse(subject, checkpoint);
    }
    if (bitmap.recording()) {
      return new CheckpointPlan(
          previous, Optional.empty(), List.of(), false, leftoverNames, warnings);
    }
    // A frozen checkpoint: an interrupted session disabled it and added a new bitmap in the same
    // transaction, so the recording leftovers hold every write since. Without one, someone else
    // disabled it, and the writes since then are lost to it.
    List<String> recordingLeftovers =
        leftovers.stream()
            .filter(b -> b.recording() && !b.inconsistent())
            .map(DirtyBitmap::name)
            .toList();
    if (recordingLeftovers.isEmpty()) {
      return full(
          "checkpoint bitmap " + checkpoint + " was disabled outside Cairn and may miss writes",
          removeWithBase,
          warnings);
    }
    List<String> mergeable =
        leftovers.stream().filter(b -> !b.inconsistent()).map(DirtyBitmap::name).toList();
    warnings.add(
        subject
            + ": checkpoint "
            + checkpoint
            + " was left frozen by an interrupted backup; it took over the writes recorded since");
    return new CheckpointPlan(previous, Optional.empty(), mergeable, true, leftoverNames, warnings);
  }

  private static CheckpointPlan full(String reason, List<String> remove, List<String> warnings) {
    return new CheckpointPlan(
        Optional.empty(), Optional.of(reason), List.of(), false, remove, warnings);
  }

  private static String missingReason(QemuDisk disk, String checkpoint) {
    return "checkpoint bitmap "
        + checkpoint
        + " not found on node "
        + disk.nodeName()
        + (disk.keepsBitmapsAcrossRestarts()
            ? " (QEMU restarted without saving it, or it was removed)"
            : " (a " + disk.format() + " image keeps no bitmaps when QEMU restarts)");
  }

  private static QemuBackupException inUse(String subject, String bitmap) {
    return new QemuBackupException(
        "Cannot back up "
            + subject
            + ": bitmap "
            + bitmap
            + " is in use by another job or export (another backup running?)");
  }
}
