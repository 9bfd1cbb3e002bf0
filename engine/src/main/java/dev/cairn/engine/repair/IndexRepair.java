package dev.cairn.engine.repair;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.Repository;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.PackId;
import dev.cairn.storage.NoSuchObjectException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds the index from the packs themselves: every pack ends with an encrypted trailer listing
 * its blobs, so a pack that no readable index object names (an index object lost or damaged, or a
 * backup killed between writing packs and their index) is indexed again from its trailer.
 *
 * <p>Only adds objects, under a shared lock, until the end: then, if every pack is indexed, the
 * damaged index objects are deleted, since whatever they said is now said by the new ones. A pack
 * whose trailer is damaged is reported and left alone (its readable blobs are still indexed by any
 * sound index object that names them).
 */
public final class IndexRepair {
  private static final int PACKS_PER_INDEX = 64;

  private final Repository repository;
  private final ProgressListener progress;

  public IndexRepair(Repository repository, ProgressListener progress) {
    this.repository = repository;
    this.progress = progress;
  }

  /**
   * What the repair did.
   *
   * @param packsReindexed packs indexed again from their trailers
   * @param chunksReindexed blobs those packs hold
   * @param damagedIndexesRemoved damaged index objects deleted after the repair
   * @param problems packs that could not be read (named), left as they were
   */
  public record RepairResult(
      int packsReindexed,
      long chunksReindexed,
      List<String> damagedIndexesRemoved,
      List<String> problems) {}

  public RepairResult repair() throws IOException {
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "repair-index")) {
      return run();
    } finally {
      repository.invalidateIndex();
    }
  }

  private RepairResult run() throws IOException {
    List<String> damagedIndexes = new ArrayList<>();
    ChunkIndex index =
        repository.loadIndexTolerant(damage -> damagedIndexes.add(damage.objectName()));
    Set<PackId> indexed = new HashSet<>(index.packs());
    Map<PackId, Long> stored = repository.storedPacks();
    List<PackId> missing =
        stored.keySet().stream()
            .filter(pack -> !indexed.contains(pack))
            .sorted(java.util.Comparator.comparing(PackId::hex))
            .toList();
    ChunkReader reader = repository.reader(index);
    ProgressCounter counter = new ProgressCounter(progress, "repair", missing.size());
    List<String> problems = new ArrayList<>();
    List<IndexFile.PackEntries> batch = new ArrayList<>();
    int packs = 0;
    long chunks = 0;
    for (PackId pack : missing) {
      try {
        byte[] bytes = repository.store().read(pack.objectName());
        List<BlobEntry> entries = reader.packReader(pack).readTrailer(bytes);
        batch.add(new IndexFile.PackEntries(pack, entries));
        packs++;
        chunks += entries.size();
      } catch (DamagedObjectException e) {
        problems.add(e.getMessage());
      } catch (NoSuchObjectException deletedMeanwhile) {
        // removed since the listing: nothing to index
      }
      if (batch.size() == PACKS_PER_INDEX) {
        repository.writeIndexFile(new IndexFile(batch));
        batch = new ArrayList<>();
      }
      counter.add(1);
    }
    if (!batch.isEmpty()) {
      repository.writeIndexFile(new IndexFile(batch));
    }
    List<String> removed = new ArrayList<>();
    if (problems.isEmpty()) {
      for (String name : damagedIndexes) {
        repository.store().delete(name);
        removed.add(name);
      }
    }
    return new RepairResult(packs, chunks, removed, problems);
  }
}
