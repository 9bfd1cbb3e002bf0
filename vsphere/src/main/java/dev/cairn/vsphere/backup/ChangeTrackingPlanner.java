package dev.cairn.vsphere.backup;

import java.util.Optional;

/**
 * Decides, per disk, whether Changed Block Tracking can be trusted for an incremental backup. When
 * in doubt the disk is read in full, with the reason as a warning: a silent incremental with holes
 * would be a restore point that restores wrong data.
 *
 * <p>An incremental needs all of: the previous restore point recorded the disk under the same
 * device key, with the same backing uuid and capacity, and a change id; the disk has a change id
 * now; both ids are of the same epoch (tracking was not reset: toggled off and on, the disk moved
 * or was restored, a VM reverted with a reset); and the current id is newer than the recorded one
 * (a VM reverted to an older snapshot goes back in sequence).
 */
public final class ChangeTrackingPlanner {
  private ChangeTrackingPlanner() {}

  /**
   * Plans one disk.
   *
   * @param label how to name the disk in a warning ("disk 0 (Hard disk 1)")
   * @param current the disk as the new snapshot shows it
   * @param previous the disk as the previous restore point recorded it, empty when that point had
   *     no disk under this device key, or when there is no previous point ({@code
   *     previousPointLabel} empty)
   * @param previousPointLabel the previous point's short id, empty for the VM's first backup
   */
  public static DiskReadPlan plan(
      String label,
      TrackedDisk current,
      Optional<TrackedDisk> previous,
      Optional<String> previousPointLabel) {
    if (previousPointLabel.isEmpty()) {
      return new DiskReadPlan.Full(Optional.empty());
    }
    String point = "restore point " + previousPointLabel.get();
    if (previous.isEmpty()) {
      return full(label, "it is not in " + point);
    }
    TrackedDisk before = previous.get();
    if (current.changeId().isEmpty()) {
      return full(label, "vSphere reports no change id for it (Changed Block Tracking is off)");
    }
    if (before.diskUuid().isPresent()
        && current.diskUuid().isPresent()
        && !before.diskUuid().equals(current.diskUuid())) {
      return full(label, "it was replaced since " + point + " (another backing uuid)");
    }
    if (before.capacityBytes() != current.capacityBytes()) {
      return full(
          label,
          "it was resized from "
              + before.capacityBytes()
              + " to "
              + current.capacityBytes()
              + " bytes since "
              + point);
    }
    if (before.changeId().isEmpty()) {
      return full(label, point + " recorded no change id for it");
    }
    ChangeId then = before.changeId().get();
    ChangeId now = current.changeId().get();
    if (!now.sameEpochAs(then)) {
      return full(
          label,
          "its change tracking was reset since "
              + point
              + " (change id "
              + then
              + " then, "
              + now
              + " now)");
    }
    if (then.sequence() >= 0 && now.sequence() >= 0 && now.sequence() <= then.sequence()) {
      return full(
          label,
          "its change id went back from "
              + then
              + " to "
              + now
              + " since "
              + point
              + ": the VM was probably reverted to an older snapshot");
    }
    return new DiskReadPlan.Incremental(then);
  }

  private static DiskReadPlan full(String label, String why) {
    return new DiskReadPlan.Full(Optional.of(label + " was read in full: " + why));
  }
}
