package dev.cairn.repository.blockmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.crypto.ChunkHasher;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.crypto.MasterKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BlockMapWriter} and {@link BlockMapReader} together, over an in-memory page store. */
class BlockMapTreeTest {
  private static final int FANOUT = BlockMapPage.FANOUT;

  /** Content-addressed pages in a map, counting what is written. */
  static final class MemoryPageStore implements PageStore {
    private final ChunkHasher hasher = new ChunkHasher(MasterKey.fromBytes(new byte[64]));
    final Map<ChunkId, byte[]> pages = new HashMap<>();
    final List<byte[]> writes = new ArrayList<>();
    int newPages;
    int reads;

    @Override
    public ChunkId writePage(byte[] page) {
      ChunkId id = hasher.hash(page, 0, page.length);
      writes.add(page.clone());
      if (pages.putIfAbsent(id, page.clone()) == null) {
        newPages++;
      }
      return id;
    }

    @Override
    public byte[] readPage(ChunkId id) throws IOException {
      reads++;
      byte[] page = pages.get(id);
      if (page == null) {
        throw new IOException("no page " + id);
      }
      return page.clone();
    }

    long writesAtLevel(int level) {
      return writes.stream().filter(page -> page[0] == level).count();
    }

    void resetCounts() {
      writes.clear();
      newPages = 0;
      reads = 0;
    }
  }

  private final MemoryPageStore store = new MemoryPageStore();

  private static ChunkId randomId(SplittableRandom random) {
    return new ChunkId(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
  }

  /** A sparse disk: block index -> chunk id, absent = hole. */
  private static TreeMap<Long, ChunkId> sparseMap(long blockCount, int entries, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<Long, ChunkId> map = new TreeMap<>();
    for (int i = 0; i < entries; i++) {
      map.put(random.nextLong(blockCount), randomId(random));
    }
    return map;
  }

  private static TreeMap<Long, ChunkId> denseMap(long blockCount, double density, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    TreeMap<Long, ChunkId> map = new TreeMap<>();
    for (long block = 0; block < blockCount; block++) {
      if (random.nextDouble() < density) {
        map.put(block, randomId(random));
      }
    }
    return map;
  }

  private static long leafCount(long blockCount) {
    return (blockCount + FANOUT - 1) / FANOUT;
  }

  private static ChunkId[] leafEntries(TreeMap<Long, ChunkId> map, long leaf) {
    ChunkId[] entries = new ChunkId[FANOUT];
    map.subMap(leaf * FANOUT, (leaf + 1) * FANOUT)
        .forEach((block, id) -> entries[(int) (block - leaf * FANOUT)] = id);
    return entries;
  }

  /** Writes {@code map}, skipping leaves that are all holes when {@code skipHoleLeaves}. */
  private ChunkId write(TreeMap<Long, ChunkId> map, long blockCount, boolean skipHoleLeaves)
      throws IOException {
    BlockMapWriter writer = new BlockMapWriter(store, blockCount);
    for (long leaf = 0; leaf < leafCount(blockCount); leaf++) {
      boolean hole = map.subMap(leaf * FANOUT, (leaf + 1) * FANOUT).isEmpty();
      if (!(hole && skipHoleLeaves)) {
        writer.addLeaf(leaf, leafEntries(map, leaf));
      }
    }
    return writer.finish();
  }

  private void assertReadsBack(ChunkId root, TreeMap<Long, ChunkId> map, long blockCount)
      throws IOException {
    BlockMapReader reader = new BlockMapReader(store, root, blockCount);
    assertThat(reader.blockCount()).isEqualTo(blockCount);
    assertThat(reader.leafCount()).isEqualTo(leafCount(blockCount));
    for (long block = 0; block < blockCount; block++) {
      ChunkId expected = map.get(block);
      ChunkId actual = reader.block(block);
      if (expected == null ? actual != null : !expected.equals(actual)) {
        throw new AssertionError("block " + block + ": expected " + expected + ", read " + actual);
      }
    }
    for (long leaf = 0; leaf < leafCount(blockCount); leaf++) {
      assertThat(reader.leaf(leaf)).as("leaf %d", leaf).containsExactly(leafEntries(map, leaf));
    }
  }

  @ParameterizedTest
  @CsvSource({
    "1, 0.9",
    "1023, 0.5",
    "1024, 0.05",
    "1025, 0.3",
    "5000, 0.01",
    "5000, 0.7",
    "2098176, 0.0001"
  })
  void randomSparseMapsReadBackForEveryBlock(long blockCount, double density) throws IOException {
    TreeMap<Long, ChunkId> map = denseMap(blockCount, density, blockCount);
    map.put(blockCount - 1, new ChunkId(7, 7, 7, 7));

    ChunkId root = write(map, blockCount, true);

    assertThat(root).isNotNull();
    assertReadsBack(root, map, blockCount);
  }

  @Test
  void aThreeLevelMapWithFewEntriesReadsBackForEveryBlock() throws IOException {
    long blockCount = 1024L * 1024 + 3;
    TreeMap<Long, ChunkId> map = sparseMap(blockCount, 40, 11);
    map.put(0L, new ChunkId(1, 0, 0, 0));
    map.put(blockCount - 1, new ChunkId(2, 0, 0, 0));

    ChunkId root = write(map, blockCount, true);

    assertThat(BlockMapPage.depthFor(blockCount)).isEqualTo(3);
    assertReadsBack(root, map, blockCount);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 1023, 1024, 1025, 5000, 1024L * 1024 + 3})
  void skippingHoleLeavesAndAddingThemEmptyGiveTheSameRoot(long blockCount) throws IOException {
    TreeMap<Long, ChunkId> map = sparseMap(blockCount, 3, blockCount);

    ChunkId skipped = write(map, blockCount, true);
    ChunkId explicit = write(map, blockCount, false);

    assertThat(skipped).isEqualTo(explicit);
    BlockMapReader reader = new BlockMapReader(store, skipped, blockCount);
    for (long leaf = 0; leaf < leafCount(blockCount); leaf++) {
      boolean hole = map.subMap(leaf * FANOUT, (leaf + 1) * FANOUT).isEmpty();
      assertThat(reader.leafId(leaf) == null).as("leaf %d is a hole", leaf).isEqualTo(hole);
    }
  }

  @Test
  void skippedLeavesReadAsHoles() throws IOException {
    long blockCount = 10 * FANOUT;
    BlockMapWriter writer = new BlockMapWriter(store, blockCount);
    ChunkId[] entries = new ChunkId[FANOUT];
    entries[5] = new ChunkId(1, 2, 3, 4);
    writer.addLeaf(3, entries);
    writer.addLeaf(7, entries);

    ChunkId root = writer.finish();

    BlockMapReader reader = new BlockMapReader(store, root, blockCount);
    for (long leaf = 0; leaf < 10; leaf++) {
      if (leaf == 3 || leaf == 7) {
        assertThat(reader.leaf(leaf)).containsExactly(entries);
      } else {
        assertThat(reader.leafId(leaf)).isNull();
        assertThat(reader.leaf(leaf)).containsOnlyNulls().hasSize(FANOUT);
        assertThat(reader.block(leaf * FANOUT + 5)).isNull();
      }
    }
  }

  @Test
  void sameMapGivesTheSameRootAndEqualLeavesShareOnePage() throws IOException {
    long blockCount = 4 * FANOUT;
    TreeMap<Long, ChunkId> map = new TreeMap<>();
    for (long leaf = 0; leaf < 4; leaf++) {
      map.put(leaf * FANOUT + 17, new ChunkId(9, 9, 9, 9)); // four equal leaves
    }

    ChunkId first = write(map, blockCount, true);
    int pagesAfterFirst = store.pages.size();
    ChunkId second = write(map, blockCount, true);

    assertThat(second).isEqualTo(first);
    assertThat(pagesAfterFirst).as("one leaf page and one root").isEqualTo(2);
    assertThat(store.pages).hasSize(pagesAfterFirst);
  }

  @Test
  void aSingleLevelMapsRootIsItsOnlyLeaf() throws IOException {
    BlockMapWriter writer = new BlockMapWriter(store, FANOUT);
    ChunkId[] entries = new ChunkId[FANOUT];
    entries[0] = new ChunkId(1, 1, 1, 1);

    ChunkId leaf = writer.addLeaf(0, entries);

    assertThat(writer.depth()).isEqualTo(1);
    assertThat(writer.finish()).isEqualTo(leaf);
    assertThat(store.pages).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 1024, 1025, 1024L * 1024 + 3})
  void anAllHoleDiskHasNoRootAndReadsAsHoles(long blockCount) throws IOException {
    BlockMapWriter writer = new BlockMapWriter(store, blockCount);
    for (long leaf = 0; leaf < Math.min(leafCount(blockCount), 3); leaf++) {
      writer.addLeaf(leaf, new ChunkId[FANOUT]);
    }

    ChunkId root = writer.finish();

    assertThat(root).isNull();
    assertThat(store.writes).isEmpty();
    BlockMapReader reader = new BlockMapReader(store, null, blockCount);
    for (long block = 0; block < Math.min(blockCount, 3000); block++) {
      assertThat(reader.block(block)).isNull();
    }
  }

  @Test
  void addLeafIdReusesAnExistingLeafWithoutReadingOrRewritingIt() throws IOException {
    long blockCount = 3 * FANOUT;
    TreeMap<Long, ChunkId> parent = denseMap(blockCount, 0.5, 21);
    ChunkId parentRoot = write(parent, blockCount, true);
    BlockMapReader parentReader = new BlockMapReader(store, parentRoot, blockCount);
    List<ChunkId> parentLeaves = new ArrayList<>();
    for (long leaf = 0; leaf < 3; leaf++) {
      parentLeaves.add(parentReader.leafId(leaf));
    }
    store.resetCounts();

    BlockMapWriter writer = new BlockMapWriter(store, blockCount);
    for (long leaf = 0; leaf < 3; leaf++) {
      writer.addLeafId(leaf, parentLeaves.get((int) leaf));
    }
    ChunkId root = writer.finish();

    assertThat(root).isEqualTo(parentRoot);
    assertThat(store.reads).isZero();
    assertThat(store.writesAtLevel(0)).isZero();
    assertReadsBack(root, parent, blockCount);
  }

  @ParameterizedTest
  @ValueSource(longs = {1024, 5000, 1024L * 1024 + 3, 1024L * 1024 * 3})
  void aMapThatDiffersFromItsParentInOneBlockWritesOnlyOnePagePerLevel(long blockCount)
      throws IOException {
    TreeMap<Long, ChunkId> parent = sparseMap(blockCount, 3000, blockCount + 1);
    ChunkId parentRoot = write(parent, blockCount, true);
    BlockMapReader parentReader = new BlockMapReader(store, parentRoot, blockCount);
    int depth = BlockMapPage.depthFor(blockCount);
    long changedBlock = blockCount / 2 + 1;
    TreeMap<Long, ChunkId> child = new TreeMap<>(parent);
    child.put(changedBlock, new ChunkId(123, 456, 789, 0));
    long changedLeaf = changedBlock / FANOUT;
    store.resetCounts();

    BlockMapWriter writer = new BlockMapWriter(store, blockCount);
    for (long leaf = 0; leaf < leafCount(blockCount); leaf++) {
      if (leaf == changedLeaf) {
        ChunkId[] entries = parentReader.leaf(leaf);
        entries[(int) (changedBlock % FANOUT)] = child.get(changedBlock);
        writer.addLeaf(leaf, entries);
      } else {
        writer.addLeafId(leaf, parentReader.leafId(leaf));
      }
    }
    ChunkId root = writer.finish();

    assertThat(root).isNotEqualTo(parentRoot);
    assertThat(store.newPages).as("new pages, one per level").isEqualTo(depth);
    assertThat(store.writesAtLevel(0)).as("leaves written").isEqualTo(1);
    assertReadsBack(root, child, blockCount);
    assertReadsBack(parentRoot, parent, blockCount);
  }

  @Test
  void leavesOutOfOrderOrRepeatedOrAfterFinishAreRejected() throws IOException {
    ChunkId[] entries = new ChunkId[FANOUT];
    entries[0] = new ChunkId(1, 2, 3, 4);
    BlockMapWriter writer = new BlockMapWriter(store, 10 * FANOUT);
    writer.addLeaf(5, entries);

    assertThatThrownBy(() -> writer.addLeaf(3, entries)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> writer.addLeaf(5, entries)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> writer.addLeafId(4, null)).isInstanceOf(IllegalStateException.class);
    writer.addLeaf(6, entries);
    writer.finish();
    assertThatThrownBy(() -> writer.addLeaf(7, entries)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void blocksOutsideTheDiskAreRejected() throws IOException {
    BlockMapReader reader = new BlockMapReader(store, null, 100);

    assertThatThrownBy(() -> reader.block(100)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> reader.block(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void aSequentialWalkReadsEachPageOnce() throws IOException {
    long blockCount = 1024L * 1024 + 3;
    TreeMap<Long, ChunkId> map = sparseMap(blockCount, 200, 31);
    ChunkId root = write(map, blockCount, true);
    store.resetCounts();

    assertReadsBack(root, map, blockCount);

    // Every stored page is read at most twice: once by the block walk, once by the leaf walk.
    assertThat(store.reads).isLessThanOrEqualTo(2 * store.pages.size());
  }

  @Test
  void aPageOfTheWrongLevelIsReportedAsDamageNamingThePage() throws IOException {
    long blockCount = 2 * FANOUT;
    ChunkId[] entries = new ChunkId[FANOUT];
    entries[0] = new ChunkId(1, 2, 3, 4);
    BlockMapWriter writer = new BlockMapWriter(store, blockCount);
    ChunkId leaf = writer.addLeaf(0, entries);
    writer.finish();

    // The leaf offered as a root: its level says 0 where the root of a 2-level map is level 1.
    BlockMapReader reader = new BlockMapReader(store, leaf, blockCount);

    assertThatThrownBy(() -> reader.block(0))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining(leaf.toString())
        .hasMessageContaining("level");
  }

  @Test
  void aGarbagePageIsReportedAsDamage() throws IOException {
    ChunkId bogus = store.writePage(new byte[] {0, 0, 0, 5, 1, 2, 3});
    BlockMapReader reader = new BlockMapReader(store, bogus, 10);

    assertThatThrownBy(() -> reader.block(0))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining(bogus.toString());
  }
}
