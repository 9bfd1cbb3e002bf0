package dev.cairn.qemu.backup;

import dev.cairn.qemu.block.DirtyBitmap;
import dev.cairn.qemu.block.QemuDisk;
import dev.cairn.qemu.qmp.QmpException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The point-in-time view of one disk in a session, and the QMP it takes: a fleecing overlay, the
 * transaction actions that switch its bitmaps and start the view, its NBD export, and the actions
 * that settle its bitmaps at the end. The names of its temporary objects derive from its index.
 *
 * <p>The view is a fleecing overlay: a temporary qcow2 whose backing is the disk, filled by a
 * {@code blockdev-backup sync=none} job that first copies the old data of every guest write into
 * it. Reading the overlay gives the disk as it was when the job started. Chosen over the
 * copy-before-write filter with a snapshot-access node because in QEMU 7.2 that filter must be
 * inserted above the disk with {@code blockdev-add} and {@code qom-set} of the guest device's
 * drive, neither of which a QMP transaction can carry: the bitmaps could not switch at the same
 * instant, and a storage daemon has no guest device to re-point. {@code blockdev-backup} is a
 * transaction action and works the same for both. Its drawback in 7.2: if the overlay cannot be
 * written (work directory full), the guest's write fails; {@link
 * QemuBackupSession#confirmPointInTime()} detects a broken view.
 */
final class DiskView {
  private final int index;
  private final QemuDisk disk;
  private final CheckpointPlan plan;
  private final String newCheckpoint;
  private final String subject;

  DiskView(int index, QemuDisk disk, CheckpointPlan plan, String newCheckpoint, String subject) {
    this.index = index;
    this.disk = disk;
    this.plan = plan;
    this.newCheckpoint = newCheckpoint;
    this.subject = subject;
  }

  QemuDisk disk() {
    return disk;
  }

  /** The id of the job that keeps the view point-in-time. */
  String jobId() {
    return "cairn-backup-" + index;
  }

  private String overlayNode() {
    return "cairn-fleece-" + index;
  }

  private String overlayFileNode() {
    return "cairn-fleece-" + index + "-file";
  }

  private String exportName() {
    return "cairn-" + disk.name();
  }

  /**
   * Creates the overlay file ({@code <fileTag>fleece-<index>.qcow2} in the work directory) and
   * opens it with the disk as backing. Through QMP ({@code blockdev-create}), not {@code qemu-img}:
   * QEMU must be able to open what it creates, and the disk it backs is locked by QEMU.
   */
  void createOverlay(QemuBlockLayer blockLayer, Path workDir, String fileTag)
      throws QemuBackupException {
    Path file = workDir.resolve(fileTag + "fleece-" + index + ".qcow2");
    try {
      Optional<String> error =
          blockLayer.runJob(
              "cairn-create-" + index,
              "blockdev-create",
              Map.of(
                  "job-id",
                  "cairn-create-" + index,
                  "options",
                  Map.of("driver", "file", "filename", file.toString(), "size", 0)));
      if (error.isEmpty()) {
        blockLayer
            .qmp()
            .execute(
                "blockdev-add",
                Map.of(
                    "driver", "file", "node-name", overlayFileNode(), "filename", file.toString()));
        error =
            blockLayer.runJob(
                "cairn-format-" + index,
                "blockdev-create",
                Map.of(
                    "job-id",
                    "cairn-format-" + index,
                    "options",
                    Map.of("driver", "qcow2", "file", overlayFileNode(), "size", disk.size())));
      }
      if (error.isPresent()) {
        throw new QemuBackupException(
            "Cannot back up "
                + subject
                + ": cannot create the overlay "
                + file
                + ": "
                + error.get());
      }
      blockLayer
          .qmp()
          .execute(
              "blockdev-add",
              Map.of(
                  "driver", "qcow2",
                  "node-name", overlayNode(),
                  "file", overlayFileNode(),
                  "backing", disk.nodeName()));
    } catch (QmpException e) {
      throw new QemuBackupException("Cannot back up " + subject + ": " + e.reason(), e);
    }
  }

  /** The session transaction's actions for this disk: new bitmap, frozen base, view started. */
  List<Map<String, Object>> startActions() {
    String node = disk.nodeName();
    List<Map<String, Object>> actions = new ArrayList<>();
    actions.add(
        action(
            "block-dirty-bitmap-add",
            Map.of(
                "node",
                node,
                "name",
                newCheckpoint,
                "granularity",
                QemuBackupSession.BITMAP_GRANULARITY,
                "persistent",
                disk.keepsBitmapsAcrossRestarts())));
    plan.base()
        .ifPresent(
            base ->
                actions.add(
                    action("block-dirty-bitmap-disable", Map.of("node", node, "name", base))));
    actions.add(
        action(
            "blockdev-backup",
            Map.of("job-id", jobId(), "device", node, "target", overlayNode(), "sync", "none")));
    return actions;
  }

  /** Exports the view read-only, with the frozen base bitmap for an incremental backup. */
  ExportedDisk export(QemuBlockLayer blockLayer, NbdServerAddress server)
      throws QemuBackupException {
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("type", "nbd");
    arguments.put("id", "cairn-export-" + index);
    arguments.put("node-name", overlayNode());
    arguments.put("name", exportName());
    arguments.put("writable", false);
    // QEMU finds the frozen bitmap on the overlay's backing node, the disk.
    plan.base().ifPresent(base -> arguments.put("bitmaps", List.of(base)));
    try {
      blockLayer.qmp().execute("block-export-add", arguments);
    } catch (QmpException e) {
      throw new QemuBackupException("Cannot back up " + subject + ": " + e.reason(), e);
    }
    return new ExportedDisk(
        disk.name(),
        disk.nodeName(),
        disk.device(),
        disk.qdev(),
        disk.size(),
        server.urlOf(exportName()),
        plan.base().map(base -> "qemu:dirty-bitmap:" + base),
        newCheckpoint,
        plan.fullReason());
  }

  /**
   * Committed: drop the frozen base. Not committed: hand the new bitmap's writes back to the base,
   * which records again, and drop the new one. Decided from the bitmaps QEMU has now ({@code
   * current}), so it is right whether or not the transaction ran.
   */
  List<Map<String, Object>> settleActions(List<DirtyBitmap> current, boolean committed) {
    String node = disk.nodeName();
    boolean hasNew = current.stream().anyMatch(b -> b.name().equals(newCheckpoint));
    Optional<DirtyBitmap> base =
        plan.base()
            .flatMap(name -> current.stream().filter(b -> b.name().equals(name)).findFirst());
    List<Map<String, Object>> actions = new ArrayList<>();
    if (committed) {
      base.ifPresent(
          b ->
              actions.add(
                  action("block-dirty-bitmap-remove", Map.of("node", node, "name", b.name()))));
      return actions;
    }
    if (base.isPresent() && hasNew) {
      actions.add(
          action(
              "block-dirty-bitmap-merge",
              Map.of(
                  "node", node, "target", base.get().name(), "bitmaps", List.of(newCheckpoint))));
    }
    if (base.isPresent() && !base.get().recording()) {
      actions.add(
          action("block-dirty-bitmap-enable", Map.of("node", node, "name", base.get().name())));
    }
    if (hasNew) {
      actions.add(action("block-dirty-bitmap-remove", Map.of("node", node, "name", newCheckpoint)));
    }
    return actions;
  }

  private static Map<String, Object> action(String type, Map<String, Object> data) {
    return Map.of("type", type, "data", data);
  }
}
