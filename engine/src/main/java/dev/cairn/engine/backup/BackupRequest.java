package dev.cairn.engine.backup;

import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmConfiguration;
import dev.cairn.repository.point.VmIdentity;
import java.util.List;
import java.util.Map;
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
 * @param changeTracking per disk, connector state to store for the next incremental (a QEMU
 *     checkpoint bitmap, a CBT change id); empty maps when none
 * @param expectedParent the restore point the changed extents are relative to, when the connector
 *     knows it (a checkpoint recorded in that point); if the VM's newest point is another one, the
 *     extents are ignored and every disk is read in full, with a warning. Empty: the newest point.
 * @param sourceWarnings warnings from the connector (e.g. why a full read was forced), stored in
 *     the restore point
 * @param configuration the VM's virtual hardware as the connector saw it, stored in the restore
 *     point for restore as a new VM; null when the source knows none
 */
public record BackupRequest(
    VmIdentity vm,
    SourceDescription source,
    List<DiskSource> disks,
    List<Optional<List<Extent>>> changedExtents,
    List<String> tags,
    List<Map<String, String>> changeTracking,
    Optional<String> expectedParent,
    List<String> sourceWarnings,
    VmConfiguration configuration) {
  public BackupRequest {
    if (disks.isEmpty()) {
      throw new IllegalArgumentException("A backup needs at least one disk");
    }
    if (changedExtents.size() != disks.size()) {
      throw new IllegalArgumentException("One changed-extent entry per disk is needed");
    }
    if (changeTracking.size() != disks.size()) {
      throw new IllegalArgumentException("One change-tracking entry per disk is needed");
    }
    changeTracking = changeTracking.stream().map(Map::copyOf).toList();
    sourceWarnings = List.copyOf(sourceWarnings);
  }

  /** A request from a connector that knows no VM configuration. */
  public BackupRequest(
      VmIdentity vm,
      SourceDescription source,
      List<DiskSource> disks,
      List<Optional<List<Extent>>> changedExtents,
      List<String> tags,
      List<Map<String, String>> changeTracking,
      Optional<String> expectedParent,
      List<String> sourceWarnings) {
    this(
        vm,
        source,
        disks,
        changedExtents,
        tags,
        changeTracking,
        expectedParent,
        sourceWarnings,
        null);
  }

  /** A request without connector state: files, block devices, plain NBD exports. */
  public BackupRequest(
      VmIdentity vm,
      SourceDescription source,
      List<DiskSource> disks,
      List<Optional<List<Extent>>> changedExtents,
      List<String> tags) {
    this(
        vm,
        source,
        disks,
        changedExtents,
        tags,
        disks.stream().map(disk -> Map.<String, String>of()).toList(),
        Optional.empty(),
        List.of());
  }

  public boolean incremental() {
    return changedExtents.stream().anyMatch(Optional::isPresent);
  }
}
