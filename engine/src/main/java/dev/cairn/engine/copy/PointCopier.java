package dev.cairn.engine.copy;

import dev.cairn.engine.archive.OfflinePacks;
import dev.cairn.engine.archive.Rehydrator;
import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.restore.BatchReader;
import dev.cairn.engine.restore.PointPages;
import dev.cairn.repository.BlobSink;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.blockmap.BlockMapReader;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.BlobLocation;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.NoSuchObjectException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Copies restore points from a source repository to a target repository whose keys may differ.
 *
 * <p>Per point, oldest first: every chunk is read from the source and verified there (GCM tag and
 * keyed hash under the source's id key), hashed again under the target's id key and stored through
 * a {@link BlobSink} of the target unless the target's index has it; block maps are rebuilt under
 * the target's ids; the sink is flushed (packs and index durable); the new point is verified in the
 * target (every page reads back and verifies, every data chunk is indexed in a pack that exists,
 * and with {@link CopyRequest#verifyData} every chunk reads back and verifies); only then is the
 * manifest committed with the target's normal create-if-absent. So an interrupted or failed copy
 * leaves at most unreferenced packs in the target, never a point that references a missing object.
 *
 * <p>The copy keeps the point's id, VM, time, host, source, tags, parent, disk names, change
 * tracking state, statistics and warnings; only the map roots differ. A point the target already
 * holds (same id) is skipped, so re-running an interrupted copy resumes it (chunks it stored before
 * the interruption and indexed are not sent again). See decision 0006.
 *
 * <p>The source is only read (plus its shared lock object); the target gets a shared lock, like a
 * backup, so backups may run into either repository meanwhile and only prune is held off.
 */
public final class PointCopier {
  private final Repository source;
  private final Repository target;
  private final int workerCount;
  private final ProgressListener progress;

  public PointCopier(
      Repository source, Repository target, int workerCount, ProgressListener progress) {
    this.source = source;
    this.target = target;
    this.workerCount = Math.max(1, workerCount);
    this.progress = progress;
  }

  /**
   * Copies the points {@code request} chooses; {@code committed} is told of each point as soon as
   * it is committed in the target (so that a caller can record a partial copy that fails later).
   *
   * @throws CairnException if source and target are the same repository, a named point does not
   *     exist, or a copied point fails verification in the target (then it is not committed)
   * @throws IOException naming the object when either store fails
   */
  public CopyResult copy(CopyRequest request, Consumer<RestorePoint> committed) throws IOException {
    if (source.config().id().equals(target.config().id())) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot copy from "
              + source.location()
              + " to "
              + target.location()
              + ": they are the same repository (id "
              + source.config().id()
              + ")");
    }
    try (RepositoryLock sourceLock = source.lock(LockKind.SHARED, "copy (source)");
        RepositoryLock targetLock = target.lock(LockKind.SHARED, "copy")) {
      return copyLocked(request, committed);
    }
  }

  private CopyResult copyLocked(CopyRequest request, Consumer<RestorePoint> committed)
      throws IOException {
    List<String> warnings = new ArrayList<>();
    List<RestorePoint> sourcePoints = readable(source, warnings, "source");
    Map<String, RestorePoint> targetPoints = new HashMap<>();
    for (RestorePoint point : readable(target, warnings, "target")) {
      targetPoints.put(point.id(), point);
    }
    Set<String> targetNames = new HashSet<>(target.points().names());
    List<String> skipped = new ArrayList<>();
    List<String> older = new ArrayList<>();
    List<RestorePoint> chosen = choose(request, sourcePoints, targetPoints, skipped, older);
    skipped.addAll(
        chosen.stream()
            .filter(point -> targetNames.contains(point.objectName()))
            .map(RestorePoint::id)
            .toList());
    chosen.removeIf(point -> targetNames.contains(point.objectName()));

    Map<String, RestorePoint> sourceById = new LinkedHashMap<>();
    sourcePoints.forEach(point -> sourceById.put(point.id(), point));
    CopyCounters counters = new CopyCounters();
    ProgressCounter counter =
        new ProgressCounter(
            progress, "copy", chosen.stream().mapToLong(RestorePoint::totalSizeBytes).sum());
    ChunkReader sourceReader = source.reader();
    Set<ChunkId> verifiedPages = new HashSet<>();
    Set<PackId> presentPacks = new HashSet<>();
    List<String> copied = new ArrayList<>();
    for (RestorePoint point : chosen) {
      RestorePoint reference = referenceFor(point, sourceById, targetPoints);
      RestorePoint copy;
      try {
        copy =
            copyPoint(
                point,
                reference,
                reference == null ? null : targetPoints.get(reference.id()),
                sourceReader,
                counters,
                counter,
                request.verifyData(),
                verifiedPages,
                presentPacks);
      } catch (ArchivedObjectException e) {
        // Found on the first archived read rather than checked up front: with a reference point
        // most of the source is never read, so a point may copy fine while others' packs are
        // archived. The message counts every offline pack of the point, so one rehydrate suffices.
        throw archivedSource(point, e);
      }
      targetPoints.put(copy.id(), copy);
      copied.add(copy.id());
      committed.accept(copy);
    }
    return new CopyResult(
        copied,
        skipped,
        older,
        warnings,
        counters.bytesRead.get(),
        counters.bytesWritten.get(),
        counters.chunksNew.get(),
        counters.chunksExisting.get(),
        counters.chunksReused.get(),
        counters.leavesReused.get(),
        counters.chunksVerified.get());
  }

  private CairnException archivedSource(RestorePoint point, ArchivedObjectException cause)
      throws IOException {
    List<Integer> disks = new ArrayList<>();
    for (int disk = 0; disk < point.disks().size(); disk++) {
      disks.add(disk);
    }
    OfflinePacks offline =
        new Rehydrator(source, source.clock(), Rehydrator.Sleeper.SYSTEM)
            .offlinePacks(point, disks);
    if (offline.isEmpty()) { // rehydrated meanwhile; the read that failed names the pack
      return new CairnException(ErrorCode.DATA_ARCHIVED, cause.getMessage(), cause);
    }
    return Rehydrator.archivedFailure(
        "copy",
        offline,
        "bring them online first with cairn rehydrate --point "
            + point.id()
            + " --priority standard|high, then copy again (points already copied are kept)");
  }

  /** The chosen points, oldest first (in the target or not). */
  private List<RestorePoint> choose(
      CopyRequest request,
      List<RestorePoint> sourcePoints,
      Map<String, RestorePoint> targetPoints,
      List<String> skipped,
      List<String> older)
      throws IOException {
    List<RestorePoint> chosen = new ArrayList<>();
    if (!request.points().isEmpty()) {
      Set<String> seen = new HashSet<>();
      for (String idOrPrefix : request.points()) {
        RestorePoint point = source.points().find(idOrPrefix);
        if (seen.add(point.id())) {
          chosen.add(point);
        }
      }
      if (!request.vms().isEmpty()) {
        for (RestorePoint point : chosen) {
          if (!request.vms().contains(point.vm().name())) {
            throw new CairnException(
                ErrorCode.INVALID_INPUT,
                "Cannot copy restore point "
                    + point.shortId()
                    + ": it belongs to VM '"
                    + point.vm().name()
                    + "', which --vm does not name");
          }
        }
      }
    } else {
      Map<String, RestorePoint> newestInTarget = new HashMap<>();
      for (RestorePoint point : targetPoints.values()) {
        newestInTarget.merge(point.vm().name(), point, PointCopier::newer);
      }
      for (RestorePoint point : sourcePoints) {
        if (!request.vms().isEmpty() && !request.vms().contains(point.vm().name())) {
          continue;
        }
        RestorePoint newest = newestInTarget.get(point.vm().name());
        if (!request.backfill()
            && !targetPoints.containsKey(point.id())
            && newest != null
            && ORDER.compare(point, newest) < 0) {
          older.add(point.id());
          continue;
        }
        chosen.add(point);
      }
    }
    chosen.sort(ORDER);
    return chosen;
  }

  private static final Comparator<RestorePoint> ORDER =
      Comparator.comparing(RestorePoint::time).thenComparing(RestorePoint::id);

  private static RestorePoint newer(RestorePoint a, RestorePoint b) {
    return ORDER.compare(a, b) >= 0 ? a : b;
  }

  /**
   * The point to build {@code point}'s copy on: its parent if both repositories hold it, else the
   * newest older point of its VM that both hold; null if none.
   */
  private static RestorePoint referenceFor(
      RestorePoint point,
      Map<String, RestorePoint> sourceById,
      Map<String, RestorePoint> targetPoints) {
    if (point.parent() != null
        && sourceById.containsKey(point.parent())
        && targetPoints.containsKey(point.parent())) {
      return sourceById.get(point.parent());
    }
    RestorePoint best = null;
    for (RestorePoint candidate : sourceById.values()) {
      if (candidate.vm().name().equals(point.vm().name())
          && targetPoints.containsKey(candidate.id())
          && ORDER.compare(candidate, point) < 0
          && (best == null || ORDER.compare(candidate, best) > 0)) {
        best = candidate;
      }
    }
    return best;
  }

  private RestorePoint copyPoint(
      RestorePoint point,
      RestorePoint sourceReference,
      RestorePoint targetReference,
      ChunkReader sourceReader,
      CopyCounters counters,
      ProgressCounter progressCounter,
      boolean verifyData,
      Set<ChunkId> verifiedPages,
      Set<PackId> presentPacks)
      throws IOException {
    BatchReader sourceChunks = new BatchReader(sourceReader);
    List<DiskImage> disks = new ArrayList<>();
    ExecutorService workers =
        Executors.newFixedThreadPool(
            workerCount, Thread.ofPlatform().name("copy-worker-", 0).daemon().factory());
    // As a backup: one pack writer fewer than workers bounds memory the same way.
    try (BlobSink sink = target.newSink(Math.max(1, workerCount - 1))) {
      ChunkReader targetReader = target.reader();
      try {
        for (int i = 0; i < point.disks().size(); i++) {
          DiskImage disk = point.disks().get(i);
          ChunkId root =
              new DiskCopy(
                      disk,
                      mapOf(disk, sourceReader),
                      reference(
                          disk, i, sourceReference, targetReference, sourceReader, targetReader),
                      sourceChunks,
                      sink,
                      targetReader.index(),
                      workers,
                      counters,
                      progressCounter)
                  .run();
          disks.add(
              new DiskImage(
                  disk.name(),
                  disk.source(),
                  disk.sizeBytes(),
                  disk.blockSize(),
                  root == null ? null : root.toHex(),
                  disk.changeTracking()));
        }
      } finally {
        BackupEngine.stopWorkers(workers);
      }
      sink.flush();
      RestorePoint copy =
          new RestorePoint(
              point.formatVersion(),
              point.id(),
              point.vm(),
              point.time(),
              point.host(),
              point.source(),
              point.tags(),
              point.parent(),
              List.copyOf(disks),
              point.statistics(),
              point.warnings(),
              point.configuration());
      verify(copy, target.reader(), verifyData, counters, verifiedPages, presentPacks);
      target.points().commit(copy);
      return copy;
    }
  }

  private static BlockMapReader mapOf(DiskImage disk, ChunkReader reader) {
    return new BlockMapReader(
        new PointPages(reader),
        disk.mapRoot() == null ? null : ChunkId.fromHex(disk.mapRoot()),
        disk.blockCount());
  }

  /** Disk {@code index} of the reference in both repositories, if it has this disk's layout. */
  private static DiskCopy.Reference reference(
      DiskImage disk,
      int index,
      RestorePoint sourceReference,
      RestorePoint targetReference,
      ChunkReader sourceReader,
      ChunkReader targetReader) {
    if (sourceReference == null
        || targetReference == null
        || index >= sourceReference.disks().size()
        || index >= targetReference.disks().size()) {
      return null;
    }
    DiskImage inSource = sourceReference.disks().get(index);
    DiskImage inTarget = targetReference.disks().get(index);
    if (!sameLayout(disk, inSource) || !sameLayout(disk, inTarget)) {
      return null;
    }
    return new DiskCopy.Reference(mapOf(inSource, sourceReader), mapOf(inTarget, targetReader));
  }

  private static boolean sameLayout(DiskImage a, DiskImage b) {
    return a.sizeBytes() == b.sizeBytes() && a.blockSize() == b.blockSize();
  }

  /**
   * Verifies a copied point in the target before it is committed: every block-map page reads back
   * and verifies, every data chunk is indexed in a pack that exists, and with {@code data} every
   * data chunk reads back and verifies. Pages and packs found sound are remembered for later points
   * of the same copy (nothing can delete them meanwhile: prune needs an exclusive lock).
   */
  private void verify(
      RestorePoint copy,
      ChunkReader reader,
      boolean data,
      CopyCounters counters,
      Set<ChunkId> verifiedPages,
      Set<PackId> presentPacks)
      throws IOException {
    BatchReader batches = new BatchReader(reader);
    for (DiskImage disk : copy.disks()) {
      if (disk.mapRoot() != null) {
        int depth = BlockMapPage.depthFor(disk.blockCount());
        walk(
            copy,
            ChunkId.fromHex(disk.mapRoot()),
            depth - 1,
            reader,
            batches,
            data,
            counters,
            verifiedPages,
            presentPacks);
      }
    }
  }

  private void walk(
      RestorePoint copy,
      ChunkId page,
      int level,
      ChunkReader reader,
      BatchReader batches,
      boolean data,
      CopyCounters counters,
      Set<ChunkId> verifiedPages,
      Set<PackId> presentPacks)
      throws IOException {
    if (verifiedPages.contains(page)) {
      return;
    }
    ChunkId[] slots;
    try {
      slots = BlockMapPage.decode(reader.read(page), level);
    } catch (IllegalArgumentException | DamagedObjectException e) {
      throw notVerified(copy, "block map page " + page + ": " + e.getMessage(), e);
    }
    if (level > 0) {
      for (ChunkId child : slots) {
        if (child != null) {
          walk(
              copy, child, level - 1, reader, batches, data, counters, verifiedPages, presentPacks);
        }
      }
    } else {
      for (ChunkId chunk : slots) {
        if (chunk == null) {
          continue;
        }
        BlobLocation location = reader.index().lookup(chunk);
        if (location == null) {
          throw notVerified(copy, "chunk " + chunk + " is not in the target's index", null);
        }
        if (!presentPacks.contains(location.pack())) {
          if (target.store().stat(location.pack().objectName()).isEmpty()) {
            throw notVerified(copy, "pack " + location.pack().objectName() + " is missing", null);
          }
          presentPacks.add(location.pack());
        }
      }
      if (data) {
        try {
          batches.read(slots, (slot, bytes) -> counters.chunksVerified.incrementAndGet());
        } catch (DamagedObjectException e) {
          throw notVerified(copy, e.getMessage(), e);
        }
      }
    }
    verifiedPages.add(page);
  }

  private CairnException notVerified(RestorePoint copy, String reason, Throwable cause) {
    return new CairnException(
        ErrorCode.DAMAGED_DATA,
        "Cannot commit the copy of restore point "
            + copy.id()
            + " in "
            + target.location()
            + ": "
            + reason
            + " (nothing was committed; run 'cairn check' on the target)",
        cause);
  }

  /**
   * Every point of {@code repository} that can be read, oldest first; damaged manifests are
   * described in {@code warnings}, one deleted meanwhile is left out.
   */
  private static List<RestorePoint> readable(
      Repository repository, List<String> warnings, String role) throws IOException {
    try {
      return repository.points().all();
    } catch (DamagedObjectException | NoSuchObjectException e) {
      List<RestorePoint> points = new ArrayList<>();
      for (String name : repository.points().names()) {
        try {
          points.add(repository.points().read(name));
        } catch (DamagedObjectException damage) {
          warnings.add(role + " " + repository.location() + ": " + damage.getMessage());
        } catch (NoSuchObjectException forgotten) {
          // deleted by a forget since the listing
        }
      }
      points.sort(ORDER);
      return points;
    }
  }
}
