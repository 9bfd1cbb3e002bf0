package dev.cairn.engine.check;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.config.RepositoryConfig;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.immutable.RetainingWrites;
import dev.cairn.repository.index.BlobLocation;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.keys.KeyRing;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.Retention;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies a repository. The structural check reads every index and restore point and walks every
 * block map, checking that each referenced chunk is indexed and that its pack exists and is long
 * enough. With data verification, packs (all, or a deterministic percentage) are read whole and
 * every indexed blob in them is decrypted and hashed; packs in the store's archive tier are skipped
 * and counted (the structural check never reads data packs, so it needs no rehydration). Each
 * damaged restore point is named. Memory: the pack table and the set of visited block-map pages,
 * not the data chunks.
 */
public final class Checker {
  private final Repository repository;
  private final ProgressListener progress;

  public Checker(Repository repository, ProgressListener progress) {
    this.repository = repository;
    this.progress = progress;
  }

  /**
   * Runs the check.
   *
   * @param readDataPercent 0 for structure only, 100 to verify every chunk, in between for a sample
   *     of packs chosen by their id
   */
  public CheckReport check(int readDataPercent) throws IOException {
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "check")) {
      return run(readDataPercent);
    }
  }

  private CheckReport run(int readDataPercent) throws IOException {
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    List<String> notices = new ArrayList<>();
    // Points are listed before the index is loaded: a backup may commit while check runs (both
    // take shared locks), and a point committed after the index was loaded would have chunks
    // that this index does not list. One committed before has its index objects durable already.
    List<String> pointNames = repository.points().names();
    ChunkIndex index = repository.loadIndexTolerant(damage -> problems.add(damage.getMessage()));

    Map<PackId, Long> storedPacks = repository.storedPacks();
    Map<PackId, Long> neededLength = new HashMap<>();
    index.forEach(
        (pack, entry) ->
            neededLength.merge(pack, (long) entry.offset() + entry.storedLength(), Math::max));
    Set<PackId> badPacks = new HashSet<>();
    for (var needed : neededLength.entrySet()) {
      Long size = storedPacks.get(needed.getKey());
      if (size == null) {
        problems.add("Missing pack " + needed.getKey() + ": the index lists chunks in it");
        badPacks.add(needed.getKey());
      } else if (size < needed.getValue()) {
        problems.add(
            "Truncated pack "
                + needed.getKey()
                + ": "
                + size
                + " bytes, the index needs "
                + needed.getValue());
        badPacks.add(needed.getKey());
      }
    }
    long unindexed =
        storedPacks.keySet().stream().filter(p -> !neededLength.containsKey(p)).count();
    if (unindexed > 0) {
      notices.add(
          unindexed
              + " pack(s) are not in any index (left by an interrupted backup or prune);"
              + " they are not damage, and prune removes them");
    }

    // Through the index check could load: the repository's own index fails on a damaged object.
    ChunkReader reader = repository.reader(index);
    Set<ChunkId> badChunks = new HashSet<>();
    long verified = 0;
    int[] archivedSkipped = new int[1];
    if (readDataPercent > 0) {
      verified =
          verifyData(
              index,
              reader,
              storedPacks,
              badPacks,
              readDataPercent,
              problems,
              badChunks,
              archivedSkipped);
      if (archivedSkipped[0] > 0) {
        notices.add(
            archivedSkipped[0]
                + " archived data pack(s) were not read; their chunks are unverified (a restore"
                + " that rehydrates them verifies every chunk it reads)");
      }
    }

    List<String> damagedPoints = new ArrayList<>();
    Map<String, Instant> pointTimes = new HashMap<>();
    int pointsChecked = 0;
    Map<ChunkId, Boolean> pageVerdicts = new HashMap<>();
    ProgressCounter counter = new ProgressCounter(progress, "check", pointNames.size());
    for (String name : pointNames) {
      RestorePoint point;
      try {
        point = repository.points().read(name);
      } catch (NoSuchObjectException forgotten) {
        counter.add(1); // a forget, which may run beside check, deleted it since the listing
        continue;
      } catch (DamagedObjectException e) {
        problems.add(e.getMessage());
        damagedPoints.add(name.substring(name.indexOf('/') + 1));
        pointsChecked++;
        counter.add(1);
        continue;
      }
      pointsChecked++;
      pointTimes.put(name, point.time());
      Set<String> pointProblems = new LinkedHashSet<>();
      for (DiskImage disk : point.disks()) {
        if (disk.mapRoot() != null) {
          int depth = BlockMapPage.depthFor(disk.blockCount());
          walk(
              ChunkId.fromHex(disk.mapRoot()),
              depth - 1,
              reader,
              index,
              badPacks,
              badChunks,
              pageVerdicts,
              pointProblems);
        }
      }
      if (!pointProblems.isEmpty()) {
        damagedPoints.add(point.id());
        problems.add(
            "Damaged restore point "
                + point.id()
                + " (VM "
                + point.vm().name()
                + ", "
                + point.time()
                + "): "
                + String.join("; ", pointProblems));
      }
      counter.add(1);
    }
    if (repository.retainingWrites().isPresent()) {
      checkRetention(repository.retainingWrites().get(), pointTimes, notices);
    }
    return new CheckReport(
        List.copyOf(problems),
        notices,
        damagedPoints,
        pointsChecked,
        neededLength.size(),
        verified,
        archivedSkipped[0]);
  }

  /**
   * In an immutable repository, notes every manifest retained less than the repository's days after
   * its backup, and a config or key slot whose retention ends before the newest point's does: the
   * promise that nobody can delete those points in time would not hold (prune, run regularly,
   * extends the config and key slots).
   */
  private void checkRetention(
      RetainingWrites store, Map<String, Instant> pointTimes, List<String> notices)
      throws IOException {
    Duration days = Duration.ofDays(repository.config().immutability().days());
    Instant newest = Instant.MIN;
    int shortPoints = 0;
    String example = null;
    for (var point : pointTimes.entrySet()) {
      Instant wanted = point.getValue().plus(days);
      newest = point.getValue().isAfter(newest) ? point.getValue() : newest;
      Optional<Instant> until = retainedUntil(store, point.getKey());
      if (until.isEmpty() || until.get().isBefore(wanted.truncatedTo(ChronoUnit.SECONDS))) {
        shortPoints++;
        example =
            example != null
                ? example
                : point.getKey() + " (" + until.map(Instant::toString).orElse("no retention") + ")";
      }
    }
    if (shortPoints > 0) {
      notices.add(
          "Retention: "
              + shortPoints
              + " restore point(s) are retained less than "
              + days.toDays()
              + " days after their backup, e.g. "
              + example);
    }
    if (pointTimes.isEmpty()) {
      return;
    }
    Instant wanted = newest.plus(days).truncatedTo(ChronoUnit.SECONDS);
    List<String> names = new ArrayList<>();
    names.add(RepositoryConfig.OBJECT_NAME);
    store.list(KeyRing.PREFIX, info -> names.add(info.name()));
    for (String name : names) {
      Optional<Instant> until = retainedUntil(store, name);
      if (until.isEmpty() || until.get().isBefore(wanted)) {
        notices.add(
            "Retention: "
                + name
                + " is retained only until "
                + until.map(Instant::toString).orElse("never")
                + ", before the newest point's "
                + days.toDays()
                + " days end ("
                + wanted
                + "); run prune to extend it");
      }
    }
  }

  private static Optional<Instant> retainedUntil(RetainingWrites store, String name)
      throws IOException {
    try {
      return store.retention(name).map(Retention::retainUntil);
    } catch (NoSuchObjectException forgotten) {
      return Optional.of(Instant.MAX); // deleted meanwhile (a forget): nothing to promise
    }
  }

  /** Walks a page and its subtree; returns whether all of it is sound. Memoised per page. */
  private boolean walk(
      ChunkId page,
      int level,
      ChunkReader reader,
      ChunkIndex index,
      Set<PackId> badPacks,
      Set<ChunkId> badChunks,
      Map<ChunkId, Boolean> verdicts,
      Set<String> pointProblems) {
    Boolean known = verdicts.get(page);
    if (known != null) {
      if (!known) {
        pointProblems.add("block map page " + page + " or data below it is damaged");
      }
      return known;
    }
    boolean sound = true;
    ChunkId[] slots;
    try {
      if (badChunks.contains(page)) {
        throw new DamagedObjectException("block map page " + page, "fails verification");
      }
      slots = BlockMapPage.decode(reader.read(page), level);
    } catch (IOException | IllegalArgumentException e) {
      pointProblems.add("block map page " + page + ": " + e.getMessage());
      verdicts.put(page, false);
      return false;
    }
    for (ChunkId child : slots) {
      if (child == null) {
        continue;
      }
      if (level > 0) {
        sound &=
            walk(child, level - 1, reader, index, badPacks, badChunks, verdicts, pointProblems);
        continue;
      }
      BlobLocation location = index.lookup(child);
      if (location == null) {
        pointProblems.add("chunk " + child + " is not in any index");
        sound = false;
      } else if (badPacks.contains(location.pack())) {
        pointProblems.add("chunk " + child + " is in damaged pack " + location.pack());
        sound = false;
      } else if (badChunks.contains(child)) {
        pointProblems.add("chunk " + child + " in " + location.pack() + " fails verification");
        sound = false;
      }
    }
    verdicts.put(page, sound);
    return sound;
  }

  private long verifyData(
      ChunkIndex index,
      ChunkReader reader,
      Map<PackId, Long> storedPacks,
      Set<PackId> badPacks,
      int percent,
      List<String> problems,
      Set<ChunkId> badChunks,
      int[] archivedSkipped)
      throws IOException {
    Map<PackId, List<BlobEntry>> byPack = new HashMap<>();
    index.forEach((pack, entry) -> byPack.computeIfAbsent(pack, p -> new ArrayList<>()).add(entry));
    List<PackId> selected = new ArrayList<>();
    long total = 0;
    for (PackId pack : byPack.keySet()) {
      if (!badPacks.contains(pack) && selectedForSample(pack, percent)) {
        selected.add(pack);
        total += storedPacks.getOrDefault(pack, 0L);
      }
    }
    ProgressCounter counter = new ProgressCounter(progress, "read-data", total);
    long verified = 0;
    for (PackId pack : selected) {
      byte[] bytes;
      try {
        bytes = repository.store().read(pack.objectName());
      } catch (NoSuchObjectException e) {
        problems.add("Missing pack " + pack);
        continue;
      } catch (ArchivedObjectException e) {
        // Found by trying rather than by asking each pack's tier first: one request per pack
        // either way, and stores without an archive tier never pay for the question.
        archivedSkipped[0]++;
        counter.add(storedPacks.getOrDefault(pack, 0L));
        continue;
      }
      try {
        reader.packReader(pack).readTrailer(bytes);
      } catch (DamagedObjectException e) {
        problems.add(e.getMessage());
      }
      for (BlobEntry entry : byPack.get(pack)) {
        try {
          if ((long) entry.offset() + entry.storedLength() > bytes.length) {
            throw new DamagedObjectException(
                pack.objectName(), "chunk " + entry.id() + " is cut off");
          }
          reader.decode(pack, entry, bytes, entry.offset());
          verified++;
        } catch (DamagedObjectException e) {
          problems.add(e.getMessage());
          badChunks.add(entry.id());
        }
      }
      counter.add(bytes.length);
    }
    return verified;
  }

  private static boolean selectedForSample(PackId pack, int percent) {
    if (percent >= 100) {
      return true;
    }
    int bucket = Integer.parseInt(pack.hex().substring(0, 4), 16) % 100;
    return bucket < percent;
  }
}
