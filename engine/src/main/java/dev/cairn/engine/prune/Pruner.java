package dev.cairn.engine.prune;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.restore.PointPages;
import dev.cairn.repository.BlobSink;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.config.RepositoryConfig;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.immutable.RetainingWrites;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.keys.KeyRing;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.LeavesTemporaryFiles;
import dev.cairn.storage.ObjectLockedException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Removes data no restore point references: mark (walk every point's block maps) and sweep (delete
 * packs with no live chunk, repack packs that are mostly garbage).
 *
 * <p>Runs under the exclusive lock, so no backup adds chunks meanwhile. Crash-safe by order: new
 * packs and their index objects are written first, then an index for the live chunks of kept packs,
 * then the old index objects are deleted, and packs last. Interrupted at any step, the repository
 * still indexes every live chunk in an existing pack; what is left over is garbage for the next
 * prune. A damaged index, manifest or live chunk stops prune before it deletes anything.
 *
 * <p>In an immutable repository prune also maintains retentions: it never asks to delete an object
 * the store still retains (it reports how many unreferenced packs wait, and until when; a later
 * prune deletes them), never repacks, and extends the retention of every pack a restore point still
 * references, of the config and of the key slots to now plus the repository's days and margin. Run
 * it at least once per margin, so that data a new point shares with old ones stays retained as long
 * as the point.
 */
public final class Pruner {
  private static final int PACKS_PER_INDEX = 64;
  private static final Duration TEMPORARY_FILE_MINIMUM_AGE = Duration.ofSeconds(1);

  private final Repository repository;
  private final ProgressListener progress;

  public Pruner(Repository repository, ProgressListener progress) {
    this.repository = repository;
    this.progress = progress;
  }

  /**
   * @param maximumUnusedFraction a pack whose dead share of bytes exceeds this is repacked
   * @param dryRun compute what would be done, change nothing
   */
  public PruneResult prune(double maximumUnusedFraction, boolean dryRun) throws IOException {
    try (RepositoryLock lock = repository.lock(LockKind.EXCLUSIVE, "prune")) {
      return run(maximumUnusedFraction, dryRun);
    } finally {
      repository.invalidateIndex();
    }
  }

  private PruneResult run(double maximumUnusedFraction, boolean dryRun) throws IOException {
    repository.invalidateIndex();
    List<String> oldIndexNames = repository.indexNames();
    ChunkIndex index = repository.index();
    List<RestorePoint> points = repository.points().all();
    ChunkReader reader = repository.reader();
    ChunkIdSet live = mark(points, reader, index);

    Map<PackId, List<BlobEntry>> liveByPack = new LinkedHashMap<>();
    Map<PackId, long[]> usage = new HashMap<>(); // [live bytes, dead bytes]
    index.forEach(
        (pack, entry) -> {
          long[] bytes = usage.computeIfAbsent(pack, p -> new long[2]);
          if (live.contains(entry.id())) {
            bytes[0] += entry.storedLength();
            liveByPack.computeIfAbsent(pack, p -> new ArrayList<>()).add(entry);
          } else {
            bytes[1] += entry.storedLength();
          }
        });
    Map<PackId, Long> storedSizes = repository.storedPacks();
    Set<PackId> stored = storedSizes.keySet();
    Optional<RetainingWrites> retaining = repository.retainingWrites();

    List<PackId> delete = new ArrayList<>();
    List<PackId> repack = new ArrayList<>();
    List<PackId> keep = new ArrayList<>();
    for (var entry : usage.entrySet()) {
      long liveBytes = entry.getValue()[0];
      long deadBytes = entry.getValue()[1];
      if (!stored.contains(entry.getKey())) {
        continue; // already gone; the new index will not name it
      }
      if (liveBytes > 0 && !online(entry.getKey())) {
        keep.add(entry.getKey()); // archived: repacking would have to read it
        continue;
      }
      if (liveBytes == 0) {
        delete.add(entry.getKey());
      } else if (deadBytes > (liveBytes + deadBytes) * maximumUnusedFraction
          && retaining.isEmpty()) {
        // Immutable repositories never repack: the pack's live data is retained anyway, and a
        // copy would only add a second retained pack.
        repack.add(entry.getKey());
      } else {
        keep.add(entry.getKey());
      }
    }
    List<PackId> unindexed =
        new ArrayList<>(stored.stream().filter(pack -> !usage.containsKey(pack)).toList());

    Retained retained =
        retaining.isPresent()
            ? retained(retaining.get(), delete, unindexed, oldIndexNames)
            : Retained.NONE;
    delete.removeIf(retained.packs::contains);
    unindexed.removeIf(retained.packs::contains);
    List<String> deletableIndexNames =
        oldIndexNames.stream().filter(name -> !retained.indexNames.contains(name)).toList();

    long bytesFreed = 0;
    long bytesRepacked = 0;
    for (PackId pack : delete) {
      bytesFreed += storedSizes.get(pack);
    }
    for (PackId pack : repack) {
      long liveBytes = usage.get(pack)[0];
      bytesFreed += storedSizes.get(pack) - liveBytes;
      bytesRepacked += liveBytes;
    }
    for (PackId pack : unindexed) {
      bytesFreed += storedSizes.get(pack);
    }
    PruneResult result =
        new PruneResult(
            points.size(),
            live.size(),
            keep.size(),
            repack.size(),
            delete.size() + repack.size(),
            unindexed.size(),
            bytesFreed,
            bytesRepacked,
            dryRun,
            retained.packs.size(),
            retained.lastUntil,
            0);
    if (dryRun) {
      return result;
    }

    repackInto(repack, liveByPack, reader);
    writeIndexFor(keep, liveByPack);
    long extended = 0;
    if (retaining.isPresent()) {
      // Maintenance, before anything is deleted: what restore points still reference stays
      // retained from now on, as do the config and key slots every point needs.
      extended = extendRetention(retaining.get(), keep);
    }
    // A store whose clock is behind ours may still refuse what we found expired: then the index
    // object stays, and so must every pack it names; a refused pack simply stays for later.
    Set<PackId> namedByRefusedIndex = new HashSet<>();
    for (String name : deletableIndexNames) {
      try {
        repository.store().delete(name);
      } catch (ObjectLockedException e) {
        if (retaining.isEmpty()) {
          throw e;
        }
        repository.readIndexFile(name).packs().forEach(p -> namedByRefusedIndex.add(p.pack()));
      }
    }
    ProgressCounter counter =
        new ProgressCounter(progress, "prune", delete.size() + repack.size() + unindexed.size());
    for (List<PackId> packs : List.of(delete, repack, unindexed)) {
      for (PackId pack : packs) {
        if (!namedByRefusedIndex.contains(pack)) {
          try {
            repository.store().delete(pack.objectName());
          } catch (ObjectLockedException e) {
            if (retaining.isEmpty()) {
              throw e;
            }
          }
        }
        counter.add(1);
      }
    }
    if (repository.store() instanceof LeavesTemporaryFiles staging) {
      // Partly written objects of crashed writers (a killed backup leaves up to a pack's worth).
      // The exclusive lock shuts out every writer but a lock or key object being written this
      // instant, which the minimum age spares.
      staging.removeStaleTemporaryFiles(TEMPORARY_FILE_MINIMUM_AGE.toMillis());
    }
    return extended == 0 ? result : result.withRetentionsExtended(extended);
  }

  /** Objects prune must not delete yet because the store still retains them. */
  private record Retained(Set<PackId> packs, Set<String> indexNames, Instant lastUntil) {
    static final Retained NONE = new Retained(Set.of(), Set.of(), null);
  }

  /**
   * Which of the unreferenced packs and superseded index objects are still retained. A pack that
   * has expired stays too while a retained index object names it: deleting it would leave an index
   * entry that a backup could deduplicate against, referencing data that is gone.
   */
  private Retained retained(
      RetainingWrites store, List<PackId> delete, List<PackId> unindexed, List<String> indexNames)
      throws IOException {
    RetainedObjects objects = new RetainedObjects(store);
    Instant now = repository.clock().instant();
    Map<String, Instant> indexes = objects.retainedAt(now, indexNames);
    Set<PackId> namedByRetainedIndex = new HashSet<>();
    for (String name : indexes.keySet()) {
      for (IndexFile.PackEntries pack : repository.readIndexFile(name).packs()) {
        namedByRetainedIndex.add(pack.pack());
      }
    }
    List<String> packNames = new ArrayList<>();
    for (List<PackId> packs : List.of(delete, unindexed)) {
      for (PackId pack : packs) {
        packNames.add(pack.objectName());
      }
    }
    Map<String, Instant> packs = objects.retainedAt(now, packNames);
    Set<PackId> retainedPacks = new HashSet<>();
    Instant lastUntil = null;
    for (List<PackId> list : List.of(delete, unindexed)) {
      for (PackId pack : list) {
        Instant until = packs.get(pack.objectName());
        if (until == null && namedByRetainedIndex.contains(pack)) {
          until = indexes.values().stream().max(Instant::compareTo).orElseThrow();
        }
        if (until != null) {
          retainedPacks.add(pack);
          lastUntil = lastUntil == null || until.isAfter(lastUntil) ? until : lastUntil;
        }
      }
    }
    return new Retained(retainedPacks, indexes.keySet(), lastUntil);
  }

  /** Extends the retention of the live packs, the config and the key slots; returns how many. */
  private long extendRetention(RetainingWrites store, List<PackId> livePacks) throws IOException {
    List<String> names = new ArrayList<>();
    names.add(RepositoryConfig.OBJECT_NAME);
    store.list(KeyRing.PREFIX, info -> names.add(info.name()));
    for (PackId pack : livePacks) {
      names.add(pack.objectName());
    }
    ProgressCounter counter = new ProgressCounter(progress, "extend retention", names.size());
    long extended = new RetainedObjects(store).extend(names, store.retentionFromNow());
    counter.add(extended);
    return extended;
  }

  /**
   * Whether a pack can be read now. An archived pack is kept rather than repacked: repacking would
   * have to rehydrate it (hours, and a retrieval charge) to save a part of its size. Deleting an
   * archived pack that is all garbage needs no read and goes ahead.
   */
  private boolean online(PackId pack) throws IOException {
    return !(repository.store() instanceof ArchivingBlobStore archiving)
        || archiving.state(pack.objectName()) == ArchiveState.ONLINE;
  }

  private ChunkIdSet mark(List<RestorePoint> points, ChunkReader reader, ChunkIndex index)
      throws IOException {
    ChunkIdSet live = new ChunkIdSet();
    Set<ChunkId> markedPages = new HashSet<>();
    Unindexed unindexed = new Unindexed();
    PointPages pages = new PointPages(reader);
    ProgressCounter counter = new ProgressCounter(progress, "mark", points.size());
    for (RestorePoint point : points) {
      for (DiskImage disk : point.disks()) {
        if (disk.mapRoot() != null) {
          markPage(
              ChunkId.fromHex(disk.mapRoot()),
              BlockMapPage.depthFor(disk.blockCount()) - 1,
              pages,
              live,
              markedPages,
              index,
              unindexed);
        }
      }
      counter.add(1);
    }
    if (unindexed.count > 0) {
      // Its pack may well exist, listed in no index because an index object was lost: deleting
      // it now as an unindexed leftover would destroy data that a repair could index again.
      throw new DamagedObjectException(
          "chunk " + unindexed.first,
          "a restore point references it but it is in no index ("
              + unindexed.count
              + " such chunk(s)); prune stopped before deleting anything");
    }
    return live;
  }

  private static void markPage(
      ChunkId page,
      int level,
      PointPages pages,
      ChunkIdSet live,
      Set<ChunkId> markedPages,
      ChunkIndex index,
      Unindexed unindexed)
      throws IOException {
    // A subtree is skipped only if this very page was marked before (shared through another
    // point). The live set cannot tell: a data chunk may have the page's id (same content, ids do
    // not depend on the type) or share its 64-bit prefix, and the subtree would go unmarked.
    if (!markedPages.add(page)) {
      return;
    }
    live.add(page);
    ChunkId[] slots;
    try {
      slots = BlockMapPage.decode(pages.readPage(page), level);
    } catch (IllegalArgumentException e) {
      throw new DamagedObjectException(
          "block map page " + page, e.getMessage() + "; prune stopped before deleting anything");
    }
    for (ChunkId child : slots) {
      if (child == null) {
        continue;
      }
      if (level > 0) {
        markPage(child, level - 1, pages, live, markedPages, index, unindexed);
      } else {
        live.add(child);
        if (!index.contains(child)) {
          unindexed.first = unindexed.first == null ? child : unindexed.first;
          unindexed.count++;
        }
      }
    }
  }

  /** Live chunks that no index lists: how many, and the first one met. */
  private static final class Unindexed {
    ChunkId first;
    long count;
  }

  private void repackInto(
      List<PackId> packs, Map<PackId, List<BlobEntry>> liveByPack, ChunkReader reader)
      throws IOException {
    if (packs.isEmpty()) {
      return;
    }
    ProgressCounter counter = new ProgressCounter(progress, "repack", packs.size());
    try (BlobSink sink = repository.newSink(1, new ChunkIndex())) {
      for (PackId pack : packs) {
        byte[] bytes = repository.store().read(pack.objectName());
        for (BlobEntry entry : liveByPack.get(pack)) {
          byte[] data = reader.decode(pack, entry, bytes, entry.offset());
          sink.store(entry.id(), entry.type(), data, 0, data.length);
        }
        counter.add(1);
      }
      sink.flush();
    }
  }

  private void writeIndexFor(List<PackId> packs, Map<PackId, List<BlobEntry>> liveByPack)
      throws IOException {
    List<IndexFile.PackEntries> batch = new ArrayList<>();
    for (PackId pack : packs) {
      batch.add(new IndexFile.PackEntries(pack, liveByPack.get(pack)));
      if (batch.size() == PACKS_PER_INDEX) {
        repository.writeIndexFile(new IndexFile(batch));
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      repository.writeIndexFile(new IndexFile(batch));
    }
  }
}
