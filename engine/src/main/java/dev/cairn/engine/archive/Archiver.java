package dev.cairn.engine.archive;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.prune.ChunkIdSet;
import dev.cairn.engine.restore.PointPages;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.NoSuchObjectException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves the data packs that only old restore points use to the store's archive tier.
 *
 * <p>A data pack is archived when some restore point older than the cutoff references a chunk in it
 * and no newer point references any chunk in it: a pack shared with a newer point stays online, so
 * restoring any newer point never waits. Packs no point references are garbage for prune and stay
 * where they are. Tree packs, indexes, manifests, keys and the config never move.
 *
 * <p>Nothing is written to the repository: whether a pack is archived is a property of the object,
 * asked from the store. So a run that is interrupted is resumed by running it again; packs already
 * archived are counted, not asked again, and packs a restore is rehydrating are left alone.
 *
 * <p>Memory: the chunks newer points use, 8 to 12 bytes each ({@link ChunkIdSet}; a prefix
 * collision only keeps a pack online), the same for the old points' chunks, the block-map pages
 * walked and one entry per data pack.
 *
 * <p>Takes a shared lock: backups may run meanwhile, prune (which deletes and repacks) may not. A
 * backup that commits during the run, or later, may reuse a chunk of an archived pack (content that
 * comes back, such as a disk restored from an old point); restoring such a point asks for exactly
 * those packs to be rehydrated, like any other restore from the archive.
 */
public final class Archiver {
  private final Repository repository;
  private final ProgressListener progress;

  public Archiver(Repository repository, ProgressListener progress) {
    this.repository = repository;
    this.progress = progress;
  }

  /**
   * Archives the data packs that only points older than {@code before} use.
   *
   * @param dryRun compute and report, change nothing
   * @throws CairnException if the store has no archive tier
   */
  public ArchiveResult archive(Instant before, boolean dryRun) throws IOException {
    ArchivingBlobStore store = archivingStore(repository, "archive restore points of");
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "archive")) {
      return run(store, before, dryRun);
    }
  }

  /** The repository's store as an archiving store, or a one-line error naming the repository. */
  static ArchivingBlobStore archivingStore(Repository repository, String verb)
      throws CairnException {
    BlobStore store = repository.store();
    if (store instanceof ArchivingBlobStore archiving) {
      return archiving;
    }
    throw new CairnException(
        ErrorCode.INVALID_INPUT,
        "Cannot "
            + verb
            + " repository "
            + repository.location()
            + ": its store has no archive tier (Azure Blob Storage and S3 have one; local"
            + " directories do not)");
  }

  private ArchiveResult run(ArchivingBlobStore store, Instant before, boolean dryRun)
      throws IOException {
    List<RestorePoint> older = new ArrayList<>();
    List<RestorePoint> newer = new ArrayList<>();
    for (RestorePoint point : repository.points().all()) {
      (point.time().isBefore(before) ? older : newer).add(point);
    }
    ChunkIndex index = repository.index();
    DataChunkWalk walk = new DataChunkWalk(new PointPages(repository.reader()));
    ProgressCounter marked = new ProgressCounter(progress, "mark", older.size() + newer.size());
    // Newer points first: a page they share with an old point is then not walked again, and the
    // chunks below it are online anyway.
    ChunkIdSet online = new ChunkIdSet();
    for (RestorePoint point : newer) {
      for (DiskImage disk : point.disks()) {
        walk.walk(disk, online::add);
      }
      marked.add(1);
    }
    ChunkIdSet old = new ChunkIdSet();
    for (RestorePoint point : older) {
      for (DiskImage disk : point.disks()) {
        walk.walk(disk, old::add);
      }
      marked.add(1);
    }

    Set<PackId> shared = new HashSet<>();
    Set<PackId> candidates = new HashSet<>();
    index.forEach(
        (pack, entry) -> {
          if (pack.kind() != PackKind.DATA || entry.type() != BlobType.DATA) {
            return;
          }
          if (online.contains(entry.id())) {
            shared.add(pack);
          } else if (old.contains(entry.id())) {
            candidates.add(pack);
          }
        });
    candidates.removeAll(shared);
    Set<PackId> sharedByOld = new HashSet<>(shared);
    sharedByOld.retainAll(packsOf(index, old));

    Map<PackId, Long> sizes = repository.storedPacks();
    List<PackId> ordered = new ArrayList<>(candidates);
    ordered.sort(Comparator.comparing(PackId::hex));
    int archived = 0;
    long archivedBytes = 0;
    int already = 0;
    long alreadyBytes = 0;
    int rehydrating = 0;
    ProgressCounter counter = new ProgressCounter(progress, "archive", ordered.size());
    for (PackId pack : ordered) {
      Long size = sizes.get(pack);
      if (size == null) {
        counter.add(1);
        continue; // missing: check reports it; nothing to move
      }
      ArchiveState state;
      try {
        state = store.state(pack.objectName());
      } catch (NoSuchObjectException e) {
        counter.add(1);
        continue;
      }
      switch (state) {
        case ONLINE -> {
          if (!dryRun) {
            store.archive(pack.objectName());
          }
          archived++;
          archivedBytes += size;
        }
        case ARCHIVED -> {
          already++;
          alreadyBytes += size;
        }
        case REHYDRATING -> rehydrating++; // a restore needs it now
      }
      counter.add(1);
    }
    long sharedBytes = 0;
    for (PackId pack : sharedByOld) {
      sharedBytes += sizes.getOrDefault(pack, 0L);
    }
    return new ArchiveResult(
        before,
        older.size(),
        newer.size(),
        archived,
        archivedBytes,
        already,
        alreadyBytes,
        rehydrating,
        sharedByOld.size(),
        sharedBytes,
        dryRun);
  }

  private static Set<PackId> packsOf(ChunkIndex index, ChunkIdSet chunks) {
    Set<PackId> packs = new HashSet<>();
    index.forEach(
        (pack, entry) -> {
          if (pack.kind() == PackKind.DATA && chunks.contains(entry.id())) {
            packs.add(pack);
          }
        });
    return packs;
  }
}
