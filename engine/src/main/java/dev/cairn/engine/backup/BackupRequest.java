package dev.cairn.engine.backup;

import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import java.util.List;
import java.util.Optional;

/**
 * What to back up.
 *
 * @param vm the VM the disks belong to
 * @param source where the disks come from, for the restore point
 * @param disks the disks, in order (the caller opens and closes them)
 * @param changedExtents per disk, the changed byte ranges since the VM's latest restore point, or
 *     empty for a full read; present makes the backup an incremental
 * @param tags labels to store in the restore point
 */
public record BackupRequest(
    VmIdentity vm,
    SourceDescription source,
    List<DiskSource> disks,
    List<Optional<List<Extent>>> changedExtents,
    List<String> tags) {
  public BackupRequest {
    if (disks.isEmpty()) {
      throw new IllegalArgumentException("A backup needs at least one disk");
    }
    if (changedExtents.size() != disks.size()) {
      throw new IllegalArgumentException("One changed-extent entry per disk is needed");
    }
  }

  public boolean incremental() {
    return changedExtents.stream().anyMatch(Optional::isPresent);
  }
}
