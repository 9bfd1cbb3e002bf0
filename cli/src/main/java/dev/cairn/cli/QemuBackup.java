package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.backup.BackupRequest;
import dev.cairn.engine.backup.BackupResult;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.source.ChangedExtents;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.engine.source.NbdDiskSource;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.qemu.backup.ExportedDisk;
import dev.cairn.qemu.backup.QemuBackupSession;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A backup of a running QEMU (qemu-system-* or qemu-storage-daemon) through its QMP socket: the
 * session takes a checkpoint and a point-in-time view of every disk and exports them over NBD; the
 * engine reads them (only the dirty extents since the previous checkpoint when it still holds); the
 * new checkpoint is recorded in the restore point and the old one dropped only once the point is
 * committed. Any failure rolls the checkpoints back, so the next incremental still covers every
 * change since the last committed point.
 */
final class QemuBackup {
  /** Keys of {@link DiskImage#changeTracking()} written by this connector. */
  static final String DISK_KEY = "qemu.disk";

  static final String CHECKPOINT_KEY = "qemu.checkpoint";
  static final String NODE_KEY = "qemu.node";

  private QemuBackup() {}

  /** What the backup did, and what went wrong after the point was committed (if anything). */
  record Outcome(BackupResult result, Optional<String> cleanupProblem) {}

  static Outcome run(
      Repository repository,
      Path qmpSocket,
      List<String> diskNodes,
      Path workDirectory,
      VmIdentity vm,
      List<String> tags,
      NbdClientOptions nbdOptions,
      int workers,
      ProgressListener progress)
      throws IOException {
    Optional<RestorePoint> latest = latestPointOf(repository, vm.name());
    Map<String, String> previous = new LinkedHashMap<>();
    latest.ifPresent(
        point -> {
          for (DiskImage disk : point.disks()) {
            String name = disk.changeTracking().get(DISK_KEY);
            String checkpoint = disk.changeTracking().get(CHECKPOINT_KEY);
            if (name != null && checkpoint != null) {
              previous.put(name, checkpoint);
            }
          }
        });
    boolean ownWorkDirectory = workDirectory == null;
    Path work = ownWorkDirectory ? Files.createTempDirectory("cairn-qemu-") : workDirectory;
    List<DiskSource> sources = new ArrayList<>();
    try (QemuBackupSession session = openSession(qmpSocket, diskNodes, previous, work)) {
      List<Optional<List<ChangedExtents.Extent>>> extents = new ArrayList<>();
      List<Map<String, String>> tracking = new ArrayList<>();
      List<String> warnings = new ArrayList<>(session.warnings());
      for (ExportedDisk disk : session.disks()) {
        Optional<String> bitmap =
            disk.dirtyBitmapContext()
                .map(context -> context.substring(context.indexOf(':', 5) + 1));
        NbdDiskSource source =
            NbdDiskSource.open(
                NbdUrl.parse(disk.nbdUrl()),
                disk.name(),
                bitmap,
                nbdOptions,
                workers,
                session::confirmPointInTime);
        sources.add(source);
        extents.add(bitmap.isPresent() ? Optional.of(source.changedExtents()) : Optional.empty());
        tracking.add(
            Map.of(
                DISK_KEY,
                disk.name(),
                CHECKPOINT_KEY,
                disk.newCheckpoint(),
                NODE_KEY,
                disk.nodeName()));
        disk.fullReason().ifPresent(reason -> warnings.add("disk " + disk.name() + ": " + reason));
      }
      BackupRequest request =
          new BackupRequest(
              vm,
              new SourceDescription("qemu", "QMP " + qmpSocket.toAbsolutePath()),
              sources,
              extents,
              tags,
              tracking,
              latest.map(RestorePoint::id),
              warnings);
      BackupResult result = new BackupEngine(repository, workers, progress).backup(request);
      closeAll(sources); // the exports go away with the session
      Optional<String> problem = Optional.empty();
      try {
        session.commit();
      } catch (IOException e) {
        // The point is committed and sound; the next session removes what was left.
        problem = Optional.of(e.getMessage());
      }
      return new Outcome(result, problem);
    } finally {
      closeAll(sources);
      if (ownWorkDirectory) {
        deleteQuietly(work);
      }
    }
  }

  private static Optional<RestorePoint> latestPointOf(Repository repository, String vm)
      throws IOException {
    try {
      return repository.points().all().stream()
          .filter(point -> point.vm().name().equals(vm))
          .reduce((first, second) -> second);
    } catch (dev.cairn.repository.DamagedObjectException e) {
      // The engine will not build on any parent then; a full backup of every disk follows.
      return Optional.empty();
    }
  }

  private static void closeAll(List<DiskSource> sources) {
    for (DiskSource source : sources) {
      try {
        source.close();
      } catch (IOException ignored) {
        // closing connections is best effort
      }
    }
  }

  private static void deleteQuietly(Path directory) {
    try (var files = Files.list(directory)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(directory);
    } catch (IOException ignored) {
      // a temporary directory; the session already removed its files
    }
  }

  private static QemuBackupSession openSession(
      Path qmpSocket, List<String> diskNodes, Map<String, String> previous, Path work)
      throws CairnException {
    try {
      return QemuBackupSession.open(qmpSocket, diskNodes, previous, work);
    } catch (IOException e) {
      // QMP and session errors already name QEMU's socket or the disk, and the cause.
      throw new CairnException(ErrorCode.SOURCE_FAILED, e.getMessage(), e);
    }
  }
}
