package dev.cairn.repository.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChunkIndexTest {

  private static ChunkId randomId(SplittableRandom random) {
    return new ChunkId(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
  }

  private static BlobEntry randomEntry(SplittableRandom random, ChunkId id) {
    return new BlobEntry(
        id,
        random.nextBoolean() ? BlobType.DATA : BlobType.TREE,
        random.nextBoolean() ? Compression.NONE : Compression.ZSTD,
        random.nextInt(Integer.MAX_VALUE),
        16 + random.nextInt(1 << 20),
        random.nextInt(1 << 20));
  }

  private static List<PackId> packs(SplittableRandom random, int count) {
    List<PackId> packs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      packs.add(PackId.random(i % 3 == 0 ? PackKind.TREE : PackKind.DATA, random));
    }
    return packs;
  }

  @Test
  void anEmptyIndexKnowsNothing() {
    ChunkIndex index = new ChunkIndex();

    assertThat(index.size()).isZero();
    assertThat(index.lookup(new ChunkId(0, 0, 0, 0))).isNull();
    assertThat(index.contains(new ChunkId(1, 2, 3, 4))).isFalse();
    assertThat(index.packs()).isEmpty();
  }

  @Test
  void aHundredThousandRandomIdsAreAllFoundWithTheirExactLocation() {
    SplittableRandom random = new SplittableRandom(1);
    List<PackId> packs = packs(random, 50);
    Map<ChunkId, BlobLocation> expected = new HashMap<>();
    ChunkIndex index = new ChunkIndex();

    for (int i = 0; i < 100_000; i++) {
      ChunkId id = randomId(random);
      BlobLocation location =
          new BlobLocation(packs.get(random.nextInt(packs.size())), randomEntry(random, id));
      expected.put(id, location);
      assertThat(index.addIfAbsent(location.pack(), location.entry())).isTrue();
    }

    assertThat(index.size()).isEqualTo(100_000);
    for (Map.Entry<ChunkId, BlobLocation> entry : expected.entrySet()) {
      assertThat(index.lookup(entry.getKey())).isEqualTo(entry.getValue());
      assertThat(index.contains(entry.getKey())).isTrue();
    }
    SplittableRandom others = new SplittableRandom(2);
    for (int i = 0; i < 10_000; i++) {
      ChunkId unknown = randomId(others);
      assertThat(index.lookup(unknown)).isNull();
      assertThat(index.contains(unknown)).isFalse();
    }
    assertThat(new HashSet<>(index.packs())).isEqualTo(new HashSet<>(packs));
  }

  @Test
  void addIfAbsentKeepsTheFirstLocation() {
    PackId first = new PackId("1".repeat(64), PackKind.DATA);
    PackId second = new PackId("2".repeat(64), PackKind.DATA);
    ChunkId id = new ChunkId(5, 6, 7, 8);
    BlobEntry firstEntry = new BlobEntry(id, BlobType.DATA, Compression.NONE, 37, 100, 84);
    BlobEntry secondEntry = new BlobEntry(id, BlobType.DATA, Compression.ZSTD, 500, 50, 84);
    ChunkIndex index = new ChunkIndex();

    assertThat(index.addIfAbsent(first, firstEntry)).isTrue();
    assertThat(index.addIfAbsent(second, secondEntry)).isFalse();

    assertThat(index.lookup(id)).isEqualTo(new BlobLocation(first, firstEntry));
    assertThat(index.size()).isEqualTo(1);
    assertThat(index.packs()).containsExactly(first);
  }

  @Test
  void idsThatShareTheirFirstWordAreKeptApart() {
    PackId pack = new PackId("3".repeat(64), PackKind.DATA);
    ChunkIndex index = new ChunkIndex();
    List<ChunkId> ids = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      // Same first word (same home slot) and differences in each later word in turn.
      ids.add(new ChunkId(42, i % 3 == 0 ? i : 0, i % 3 == 1 ? i : 0, i % 3 == 2 ? i : 0));
    }
    for (int i = 0; i < ids.size(); i++) {
      index.addIfAbsent(pack, new BlobEntry(ids.get(i), BlobType.DATA, Compression.NONE, i, 16, i));
    }

    assertThat(index.size()).isEqualTo(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      assertThat(index.lookup(ids.get(i)).entry().offset()).isEqualTo(i);
    }
    assertThat(index.lookup(new ChunkId(42, 1, 1, 1))).isNull();
  }

  @Test
  void everyFieldOfAnEntryIsKeptIncludingExtremeValues() {
    PackId pack = new PackId("4".repeat(64), PackKind.TREE);
    ChunkIndex index = new ChunkIndex();
    List<BlobEntry> entries = new ArrayList<>();
    int n = 0;
    for (BlobType type : BlobType.values()) {
      for (Compression compression : Compression.values()) {
        entries.add(
            new BlobEntry(
                new ChunkId(-1, -1, -1, n++),
                type,
                compression,
                Integer.MAX_VALUE,
                Integer.MAX_VALUE,
                Integer.MAX_VALUE));
        entries.add(new BlobEntry(new ChunkId(0, 0, 0, n++), type, compression, 0, 16, 0));
      }
    }
    entries.forEach(entry -> index.addIfAbsent(pack, entry));

    for (BlobEntry entry : entries) {
      assertThat(index.lookup(entry.id())).isEqualTo(new BlobLocation(pack, entry));
    }
  }

  @Test
  void growingKeepsEverythingAtEveryStep() {
    SplittableRandom random = new SplittableRandom(3);
    PackId pack = PackId.random(PackKind.DATA, random);
    ChunkIndex index = new ChunkIndex();
    List<ChunkId> added = new ArrayList<>();

    for (int i = 0; i < 20_000; i++) {
      ChunkId id = randomId(random);
      index.addIfAbsent(pack, new BlobEntry(id, BlobType.DATA, Compression.NONE, i, 16, 0));
      added.add(id);
      if (Integer.bitCount(i + 1) == 1 || (i + 1) % 717 == 0) {
        // Around every doubling and at odd points in between, everything so far is still there.
        for (int j = 0; j < added.size(); j++) {
          assertThat(index.lookup(added.get(j)).entry().offset()).isEqualTo(j);
        }
      }
    }
  }

  @Test
  void forEachVisitsEveryEntryExactlyOnce() {
    SplittableRandom random = new SplittableRandom(4);
    List<PackId> packs = packs(random, 7);
    ChunkIndex index = new ChunkIndex();
    Map<ChunkId, BlobLocation> expected = new HashMap<>();
    for (int i = 0; i < 30_000; i++) {
      ChunkId id = randomId(random);
      BlobLocation location =
          new BlobLocation(packs.get(i % packs.size()), randomEntry(random, id));
      index.addIfAbsent(location.pack(), location.entry());
      expected.put(id, location);
    }

    Map<ChunkId, BlobLocation> visited = new HashMap<>();
    AtomicInteger visits = new AtomicInteger();
    index.forEach(
        (pack, entry) -> {
          visits.incrementAndGet();
          visited.put(entry.id(), new BlobLocation(pack, entry));
        });

    assertThat(visits.get()).isEqualTo(expected.size());
    assertThat(visited).isEqualTo(expected);
  }

  @Test
  void packsAreListedOnceEachInOrderOfFirstUse() {
    PackId a = new PackId("a".repeat(64), PackKind.DATA);
    PackId b = new PackId("b".repeat(64), PackKind.TREE);
    ChunkIndex index = new ChunkIndex();

    index.addIfAbsent(
        b, new BlobEntry(new ChunkId(1, 0, 0, 0), BlobType.TREE, Compression.NONE, 37, 16, 0));
    index.addIfAbsent(
        a, new BlobEntry(new ChunkId(2, 0, 0, 0), BlobType.DATA, Compression.NONE, 37, 16, 0));
    index.addIfAbsent(
        b, new BlobEntry(new ChunkId(3, 0, 0, 0), BlobType.TREE, Compression.NONE, 53, 16, 0));
    // A duplicate in a new pack does not make the pack known: it holds no indexed chunk.
    index.addIfAbsent(
        new PackId("c".repeat(64), PackKind.DATA),
        new BlobEntry(new ChunkId(1, 0, 0, 0), BlobType.TREE, Compression.NONE, 37, 16, 0));

    assertThat(index.packs()).containsExactly(b, a);
  }

  @Test
  void concurrentReadersSeeEveryPublishedEntryWhileOneWriterGrowsTheIndex() throws Exception {
    int total = 200_000;
    SplittableRandom random = new SplittableRandom(5);
    List<PackId> packs = packs(random, 16);
    ChunkId[] ids = new ChunkId[total];
    BlobLocation[] locations = new BlobLocation[total];
    for (int i = 0; i < total; i++) {
      ids[i] = randomId(random);
      locations[i] = new BlobLocation(packs.get(i % packs.size()), randomEntry(random, ids[i]));
    }
    ChunkIndex index = new ChunkIndex();
    AtomicInteger published = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);

    List<Future<Integer>> readers = new ArrayList<>();
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int r = 0; r < 8; r++) {
        long seed = 100 + r;
        readers.add(
            executor.submit(
                () -> {
                  SplittableRandom mine = new SplittableRandom(seed);
                  start.await();
                  int overlapping = 0;
                  for (int check = 0; check < 50_000; check++) {
                    int known = published.get();
                    if (known > 0 && known < total) {
                      overlapping++;
                    }
                    if (known > 0) {
                      int i = mine.nextInt(known);
                      if (!locations[i].equals(index.lookup(ids[i]))) {
                        throw new AssertionError("entry " + i + " of " + known + " lost");
                      }
                      if (!index.contains(ids[i])) {
                        throw new AssertionError("entry " + i + " of " + known + " not contained");
                      }
                    }
                    ChunkId unknown = randomId(mine);
                    if (index.lookup(unknown) != null) {
                      throw new AssertionError("unknown id " + unknown + " reported present");
                    }
                  }
                  return overlapping;
                }));
      }
      Future<?> writer =
          executor.submit(
              () -> {
                start.await();
                for (int i = 0; i < total; i++) {
                  index.addIfAbsent(locations[i].pack(), locations[i].entry());
                  published.set(i + 1);
                }
                return null;
              });
      start.countDown();
      writer.get();
      for (Future<Integer> reader : readers) {
        reader.get(); // rethrows a reader's AssertionError
      }
    }

    assertThat(index.size()).isEqualTo(total);
    Set<ChunkId> seen = new HashSet<>();
    index.forEach((pack, entry) -> seen.add(entry.id()));
    assertThat(seen).hasSize(total);
    for (int i = 0; i < total; i += 97) {
      assertThat(index.lookup(ids[i])).isEqualTo(locations[i]);
    }
  }
}
