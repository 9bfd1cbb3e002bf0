package dev.cairn.qemu.backup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backup session needs.
 *
 * @param qmpSocket the QMP Unix socket of the running QEMU
 * @param disks the disks to back up, by drive id, device id, QOM path or node name; empty for every
 *     disk with a writable image
 * @param previousCheckpoints disk name ({@link ExportedDisk#name()}) to the checkpoint bitmap that
 *     the parent restore point recorded; a disk without one gets a full backup
 * @param workDir where the temporary overlays and the NBD socket go; QEMU must be able to create
 *     files there, on a file system with room for what the guest rewrites during the backup
 * @param nbdServer the address of an NBD server already running in QEMU that Cairn should share
 *     ({@code nbd+unix:///?socket=PATH} or {@code nbd://HOST:PORT}); empty to start one in workDir
 * @param qmpTimeout how long to wait for each QMP answer and each job
 */
public record QemuBackupRequest(
    Path qmpSocket,
    List<String> disks,
    Map<String, String> previousCheckpoints,
    Path workDir,
    Optional<String> nbdServer,
    Duration qmpTimeout) {

  public QemuBackupRequest {
    Objects.requireNonNull(qmpSocket, "qmpSocket");
    Objects.requireNonNull(workDir, "workDir");
    disks = List.copyOf(disks);
    previousCheckpoints = Map.copyOf(previousCheckpoints);
    Objects.requireNonNull(nbdServer, "nbdServer");
    Objects.requireNonNull(qmpTimeout, "qmpTimeout");
  }

  /** A request that starts its own NBD server and waits up to a minute for QEMU. */
  public static QemuBackupRequest of(
      Path qmpSocket, List<String> disks, Map<String, String> previousCheckpoints, Path workDir) {
    return new QemuBackupRequest(
        qmpSocket, disks, previousCheckpoints, workDir, Optional.empty(), Duration.ofSeconds(60));
  }

  /** The same request, sharing the NBD server already running at {@code url}. */
  public QemuBackupRequest withNbdServer(String url) {
    return new QemuBackupRequest(
        qmpSocket, disks, previousCheckpoints, workDir, Optional.of(url), qmpTimeout);
  }

  /** The same request with another QMP timeout. */
  public QemuBackupRequest withQmpTimeout(Duration timeout) {
    return new QemuBackupRequest(
        qmpSocket, disks, previousCheckpoints, workDir, nbdServer, timeout);
  }
}
