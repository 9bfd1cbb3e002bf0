package dev.cairn.vsphere.backup;

import java.util.Optional;

/**
 * How one disk of a vSphere backup is read: in full, or only the areas changed since a change id
 * recorded by the previous restore point.
 */
public sealed interface DiskReadPlan {
  /** Why this disk is read in full when an incremental was possible for the VM; empty otherwise. */
  Optional<String> warning();

  /**
   * Read every allocated area (those {@code QueryChangedDiskAreas(..., "*")} reports).
   *
   * @param reason why, for the restore point's warnings; empty for a first backup, which is full by
   *     nature
   */
  record Full(Optional<String> reason) implements DiskReadPlan {
    @Override
    public Optional<String> warning() {
      return reason;
    }
  }

  /** Read the areas changed since {@code since}, the previous point's change id of this disk. */
  record Incremental(ChangeId since) implements DiskReadPlan {
    @Override
    public Optional<String> warning() {
      return Optional.empty();
    }
  }
}
