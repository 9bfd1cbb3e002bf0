package dev.cairn.engine.backup;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.source.ChangedExtents;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.repository.BlobSink;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapReader;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.PointStatistics;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.NoSuchObjectException;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Backs up the disks of one VM into a new restore point.
 *
 * <p>Commit protocol: chunks go into packs through a {@link BlobSink}; {@link BlobSink#flush} makes
 * every pack and its index durable; only then is the manifest written, in one create-if-absent. A
 * failure or a kill at any earlier moment leaves no restore point, only unreferenced packs that
 * prune removes.
 */
public final class BackupEngine {
  private final Repository repository;
  private final int workerCount;
  private final ProgressListener progress;

  public BackupEngine(Repository repository, int workerCount, ProgressListener progress) {
    this.repository = repository;
    this.workerCount = Math.max(1, workerCount);
    this.progress = progress;
  }

  /** Default concurrency: one worker per core plus one so that I/O waits do not idle a core. */
  public static int defaultWorkers() {
    return Runtime.getRuntime().availableProcessors() + 1;
  }

  public BackupResult backup(BackupRequest request) throws IOException {
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "backup")) {
      return backupLocked(request);
    }
  }

  private BackupResult backupLocked(BackupRequest request) throws IOException {
    Instant started = repository.clock().instant();
    long startNanos = System.nanoTime();
    int blockSize = repository.config().blockSize();
    List<String> warnings = new ArrayList<>(request.sourceWarnings());
    List<String> damagedManifests = new ArrayList<>();
    RestorePoint latest = latestPointOf(request.vm().name(), damagedManifests);
    for (String damage : damagedManifests) {
      warnings.add(damage + " (run 'cairn check')");
    }
    // A damaged manifest may have been this VM's newest point, the one that its changed extents
    // are relative to: with any of them unreadable, no parent is safe to build upon.
    RestorePoint parent = damagedManifests.isEmpty() ? latest : null;
    boolean parentMismatch =
        parent != null
            && request.expectedParent().isPresent()
            && !request.expectedParent().get().equals(parent.id());
    if (parentMismatch && request.incremental()) {
      warnings.add(
          "the changes were tracked since restore point "
              + request.expectedParent().get()
              + ", but the newest point of VM '"
              + request.vm().name()
              + "' is "
              + parent.shortId()
              + ", so every disk was read in full");
    }
    List<ChangedExtents> plans =
        parentMismatch
            ? Collections.<ChangedExtents>nCopies(request.disks().size(), null)
            : planDisks(request, parent, !damagedManifests.isEmpty(), blockSize, warnings);
    boolean incremental = plans.stream().anyMatch(plan -> plan != null);
    long totalToRead = 0;
    for (int i = 0; i < request.disks().size(); i++) {
      totalToRead += DiskBackup.bytesToRead(request.disks().get(i).size(), blockSize, plans.get(i));
    }
    BlockStatistics statistics = new BlockStatistics();
    ProgressCounter counter = new ProgressCounter(progress, "backup", totalToRead);
    List<DiskImage> disks = new ArrayList<>();
    ExecutorService workers =
        Executors.newFixedThreadPool(
            workerCount, Thread.ofPlatform().name("backup-worker-", 0).daemon().factory());
    try (BlobSink sink = repository.newSink(Math.max(1, workerCount - 1))) {
      ChunkReader reader = repository.reader();
      SinkPageStore pages = new SinkPageStore(sink, reader);
      try {
        for (int i = 0; i < request.disks().size(); i++) {
          DiskSource disk = request.disks().get(i);
          DiskImage parentDisk = comparableParentDisk(parent, i, disk, blockSize);
          BlockMapReader parentMap =
              parentDisk == null
                  ? null
                  : new BlockMapReader(
                      pages,
                      parentDisk.mapRoot() == null ? null : ChunkId.fromHex(parentDisk.mapRoot()),
                      parentDisk.blockCount());
          ChunkId root =
              new DiskBackup(
                      disk,
                      blockSize,
                      sink,
                      pages,
                      parentMap,
                      plans.get(i),
                      plans.get(i) == null ? allocationOf(disk, blockSize) : null,
                      workers,
                      statistics,
                      counter)
                  .run();
          requireUnchangedSize(disk, warnings);
          disks.add(
              new DiskImage(
                  disk.name(),
                  disk.description(),
                  disk.size(),
                  blockSize,
                  root == null ? null : root.toHex(),
                  request.changeTracking().get(i)));
        }
      } finally {
        // Before the sink closes and the call returns (see stopWorkers).
        stopWorkers(workers);
      }
      for (DiskSource disk : request.disks()) {
        disk.confirmPointInTime();
      }
      sink.flush();
      long totalBlocks = disks.stream().mapToLong(DiskImage::blockCount).sum();
      RestorePoint point =
          new RestorePoint(
              1,
              newPointId(),
              request.vm(),
              started,
              hostName(),
              request.source(),
              List.copyOf(request.tags()),
              parent == null ? null : parent.id(),
              List.copyOf(disks),
              new PointStatistics(
                  statistics.bytesRead.get(),
                  statistics.bytesStored.get(),
                  statistics.newChunks.get(),
                  statistics.changedBlocks.get(),
                  statistics.zeroBlocks.get(),
                  totalBlocks,
                  statistics.changedBytesCompressed.get(),
                  statistics.changedBytesRaw.get(),
                  statistics.entropy(),
                  incremental,
                  (System.nanoTime() - startNanos) / 1_000_000),
              List.copyOf(warnings),
              request.configuration());
      repository.points().commit(point);
      return new BackupResult(point);
    } finally {
      workers.shutdownNow();
    }
  }

  /**
   * Stops the workers and waits until none runs. Only then may the sink be closed and the call
   * return: the caller closes its disks afterwards, and a chunk that a straggling worker of a
   * failed backup stored after the sink closed would stay in the repository's in-memory index
   * without being in any pack, so that the next backup in this process would reference it.
   */
  public static void stopWorkers(ExecutorService workers) {
    workers.shutdownNow();
    boolean interrupted = false;
    while (true) {
      try {
        if (workers.awaitTermination(1, TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true; // wait still: a worker may be in a read that ignores interrupts
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Per disk, the changed blocks to read, or null to read the whole disk. */
  private List<ChangedExtents> planDisks(
      BackupRequest request,
      RestorePoint parent,
      boolean parentUnknown,
      int blockSize,
      List<String> warnings)
      throws IOException {
    List<ChangedExtents> plans = new ArrayList<>();
    for (int i = 0; i < request.disks().size(); i++) {
      DiskSource disk = request.disks().get(i);
      var extents = request.changedExtents().get(i);
      if (extents.isEmpty()) {
        plans.add(null);
        continue;
      }
      ChangedExtents changed =
          ChangedExtents.of(extents.get(), blockSize, disk.size(), disk.description());
      if (parentUnknown) {
        warnings.add(
            "disk "
                + i
                + " ("
                + disk.name()
                + "): the newest restore point of VM '"
                + request.vm().name()
                + "' is unknown because a manifest is damaged, so the changed extents were"
                + " ignored and the whole disk was read");
        plans.add(null);
      } else if (parent == null) {
        warnings.add(
            "disk "
                + i
                + " ("
                + disk.name()
                + "): VM '"
                + request.vm().name()
                + "' has no earlier restore point, so the changed extents were ignored and the"
                + " whole disk was read");
        plans.add(null);
      } else if (comparableParentDisk(parent, i, disk, blockSize) == null) {
        warnings.add(
            "disk "
                + i
                + " ("
                + disk.name()
                + "): it differs in size or layout from restore point "
                + parent.shortId()
                + ", so the changed extents were ignored and the whole disk was"
                + " read");
        plans.add(null);
      } else {
        plans.add(changed);
      }
    }
    return plans;
  }

  /** Where the disk has data, as blocks, or null if it cannot tell (then every block is read). */
  private static ChangedExtents allocationOf(DiskSource disk, int blockSize) throws IOException {
    var extents = disk.allocatedExtents();
    return extents.isEmpty()
        ? null
        : ChangedExtents.of(extents.get(), blockSize, disk.size(), disk.description());
  }

  private static DiskImage comparableParentDisk(
      RestorePoint parent, int index, DiskSource disk, int blockSize) {
    if (parent == null || index >= parent.disks().size()) {
      return null;
    }
    DiskImage candidate = parent.disks().get(index);
    if (candidate.sizeBytes() != disk.size() || candidate.blockSize() != blockSize) {
      return null;
    }
    return candidate;
  }

  /**
   * The newest point of {@code vmName}, or null. A manifest that cannot be read is described in
   * {@code damaged} rather than failing the backup, and one deleted meanwhile (a forget) is
   * skipped.
   */
  private RestorePoint latestPointOf(String vmName, List<String> damaged) throws IOException {
    List<RestorePoint> points;
    try {
      points = repository.points().all();
    } catch (DamagedObjectException | NoSuchObjectException e) {
      points = new ArrayList<>();
      for (String name : repository.points().names()) {
        try {
          points.add(repository.points().read(name));
        } catch (DamagedObjectException damage) {
          damaged.add(damage.getMessage());
        } catch (NoSuchObjectException forgotten) {
          // deleted by a forget since the listing
        }
      }
      points.sort(Comparator.comparing(RestorePoint::time).thenComparing(RestorePoint::id));
    }
    RestorePoint latest = null;
    for (RestorePoint point : points) {
      if (point.vm().name().equals(vmName)) {
        latest = point;
      }
    }
    return latest;
  }

  private static void requireUnchangedSize(DiskSource disk, List<String> warnings)
      throws IOException {
    long now = disk.currentSize();
    if (now < disk.size()) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED,
          "Cannot back up disk "
              + disk.description()
              + ": it shrank from "
              + disk.size()
              + " to "
              + now
              + " bytes during the backup");
    }
    if (now > disk.size()) {
      warnings.add(
          "disk "
              + disk.name()
              + " grew from "
              + disk.size()
              + " to "
              + now
              + " bytes during the backup; the first "
              + disk.size()
              + " bytes were saved");
    }
  }

  private String newPointId() {
    byte[] id = new byte[16];
    repository.random().nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
