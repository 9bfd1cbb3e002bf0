package dev.cairn.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.BlobLocation;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.testing.TestRepositories;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.memory.MemoryBlobStore;
import dev.cairn.storage.testing.FaultInjectingBlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlobSinkTest {
  private final MemoryBlobStore memory = new MemoryBlobStore();
  private final FaultInjectingBlobStore faulty = new FaultInjectingBlobStore(memory);

  /** Initialises a repository in {@code memory} whose packs close at {@code packTargetSize}. */
  private void initRepository(int packTargetSize) throws IOException {
    TestRepositories.init(memory).close();
    TestRepositories.setPackTargetSize(memory, packTargetSize);
  }

  private static Repository open(BlobStore store) throws IOException {
    return TestRepositories.open(store);
  }

  private static byte[] randomData(int length, long seed) {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    return data;
  }

  private static byte[] compressibleData(int length, long seed) {
    byte[] data = randomData(length, seed);
    Arrays.fill(data, length / 8, length, (byte) seed);
    return data;
  }

  private static List<String> names(BlobStore store, String prefix) throws IOException {
    List<String> names = new ArrayList<>();
    store.list(prefix, info -> names.add(info.name()));
    return names;
  }

  @Test
  void storedChunksAreReadBackVerifiedAfterReopening() throws Exception {
    initRepository(256 * 1024);
    Map<ChunkId, byte[]> data = new HashMap<>();
    Map<ChunkId, BlobType> types = new HashMap<>();
    Map<ChunkId, Compression> expectedCompression = new HashMap<>();
    try (Repository repository = open(memory);
        BlobSink sink = repository.newSink(2)) {
      for (int i = 0; i < 120; i++) {
        boolean compressible = i % 3 == 0;
        byte[] chunk =
            compressible ? compressibleData(65536, i) : randomData(1 + (i * 997) % 65536, i);
        BlobType type = i % 5 == 0 ? BlobType.TREE : BlobType.DATA;

        BlobSink.Stored stored = sink.store(type, chunk, 0, chunk.length);

        assertThat(stored.stored()).isTrue();
        assertThat(stored.id()).isEqualTo(repository.hasher().hash(chunk, 0, chunk.length));
        assertThat(stored.compressedLength() >= 0).isEqualTo(compressible);
        data.put(stored.id(), chunk);
        types.put(stored.id(), type);
        expectedCompression.put(stored.id(), compressible ? Compression.ZSTD : Compression.NONE);
      }
      sink.flush();
      assertThat(sink.storedChunks()).isEqualTo(120);
      assertThat(sink.packsWritten()).isEqualTo(names(memory, "packs/").size());
    }

    try (Repository reopened = open(memory)) {
      ChunkReader reader = reopened.reader();
      assertThat(reader.index().size()).isEqualTo(data.size());
      for (Map.Entry<ChunkId, byte[]> entry : data.entrySet()) {
        BlobLocation location = reader.locate(entry.getKey());
        assertThat(location.entry().type()).isEqualTo(types.get(entry.getKey()));
        assertThat(location.entry().compression())
            .isEqualTo(expectedCompression.get(entry.getKey()));
        assertThat(location.pack().kind()).isEqualTo(PackKind.of(location.entry().type()));
        assertThat(reader.read(entry.getKey())).isEqualTo(entry.getValue());
      }
    }
  }

  @Test
  void aChunkStoredTwiceIsWrittenOnceInASessionAndAcrossSessions() throws Exception {
    initRepository(1 << 20);
    byte[] chunk = compressibleData(65536, 1);
    try (Repository repository = open(memory)) {
      try (BlobSink sink = repository.newSink(1)) {
        BlobSink.Stored first = sink.store(BlobType.DATA, chunk, 0, chunk.length);
        BlobSink.Stored second = sink.store(BlobType.DATA, chunk.clone(), 0, chunk.length);

        assertThat(first.stored()).isTrue();
        assertThat(first.storedLength()).isPositive();
        assertThat(second).isEqualTo(new BlobSink.Stored(first.id(), false, 0, -1));
        assertThat(sink.storedChunks()).isEqualTo(1);
        assertThat(sink.storedBytes()).isEqualTo(first.storedLength());
        sink.flush();
      }
    }
    List<String> packsAfterFirstSession = names(memory, "packs/");
    List<String> indexesAfterFirstSession = names(memory, "index/");

    try (Repository reopened = open(memory);
        BlobSink sink = reopened.newSink(1)) {
      BlobSink.Stored again = sink.store(BlobType.DATA, chunk, 0, chunk.length);
      sink.flush();

      assertThat(again.stored()).isFalse();
      assertThat(sink.packsWritten()).isZero();
    }
    assertThat(names(memory, "packs/")).isEqualTo(packsAfterFirstSession);
    assertThat(names(memory, "index/")).isEqualTo(indexesAfterFirstSession);
  }

  @Test
  void storeWithACallerComputedIdStoresUnderThatId() throws Exception {
    initRepository(1 << 20);
    byte[] chunk = randomData(5000, 2);
    try (Repository repository = open(memory);
        BlobSink sink = repository.newSink(1)) {
      ChunkId id = repository.hasher().hash(chunk, 0, chunk.length);

      assertThat(sink.store(id, BlobType.DATA, chunk, 0, chunk.length).stored()).isTrue();
      assertThat(sink.store(BlobType.DATA, chunk, 0, chunk.length).stored()).isFalse();
      assertThat(sink.storeTree(chunk)).isEqualTo(id);
      sink.flush();
      assertThat(repository.reader().read(id)).isEqualTo(chunk);
    }
  }

  @Test
  void storingASliceStoresOnlyThatSlice() throws Exception {
    initRepository(1 << 20);
    byte[] buffer = randomData(10_000, 3);
    byte[] slice = Arrays.copyOfRange(buffer, 1000, 5000);
    try (Repository repository = open(memory);
        BlobSink sink = repository.newSink(1)) {
      BlobSink.Stored stored = sink.store(BlobType.DATA, buffer, 1000, 4000);
      sink.flush();

      assertThat(stored.id()).isEqualTo(repository.hasher().hash(slice, 0, slice.length));
      assertThat(repository.reader().read(stored.id())).isEqualTo(slice);
    }
  }

  @Test
  void flushWritesIndexObjectsNamingEveryPackExactlyOnceAtMost64PacksEach() throws Exception {
    initRepository(4096);
    try (Repository repository = open(memory);
        BlobSink sink = repository.newSink(1)) {
      for (int i = 0; i < 150; i++) {
        byte[] chunk = randomData(4096, 100 + i); // one chunk fills a pack
        sink.store(BlobType.DATA, chunk, 0, chunk.length);
      }
      sink.flush();

      List<String> packs = names(memory, "packs/");
      assertThat(packs).hasSize(150);
      List<String> indexed = new ArrayList<>();
      for (String name : repository.indexNames()) {
        IndexFile file = repository.readIndexFile(name);
        assertThat(file.packs()).hasSizeBetween(1, 64);
        file.packs().forEach(pack -> indexed.add(pack.pack().objectName()));
      }
      assertThat(indexed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(packs);
      assertThat(repository.indexNames()).hasSizeGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void flushWithNothingNewWritesNothing() throws Exception {
    initRepository(1 << 20);
    try (Repository repository = open(memory);
        BlobSink sink = repository.newSink(2)) {
      byte[] chunk = randomData(100, 4);
      sink.store(BlobType.DATA, chunk, 0, chunk.length);
      sink.flush();
      List<String> objects = names(memory, "");

      sink.flush();
      sink.flush();

      assertThat(names(memory, "")).isEqualTo(objects);
    }
  }

  @Test
  void noIndexObjectIsWrittenWhenItsPacksCannotBeAndFlushNamesThePack() throws Exception {
    initRepository(1 << 20);
    faulty.failCreates("packs/", 0, () -> new IOException("disk full"));
    try (Repository repository = open(faulty);
        BlobSink sink = repository.newSink(2)) {
      for (int i = 0; i < 10; i++) {
        byte[] chunk = randomData(20_000, 200 + i);
        sink.store(i % 2 == 0 ? BlobType.DATA : BlobType.TREE, chunk, 0, chunk.length);
      }

      Throwable thrown = catchThrowable(sink::flush);

      assertThat(thrown)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("disk full")
          .hasMessageMatching("(?s).*packs/(data|tree)/[0-9a-f]{2}/[0-9a-f]{64}.*");
      assertThat(names(memory, "index/")).isEmpty();
      assertThat(names(memory, "packs/")).isEmpty();
      assertThatThrownBy(() -> sink.store(BlobType.DATA, new byte[] {1}, 0, 1))
          .as("a failed sink stores nothing more")
          .isInstanceOf(IOException.class);
      assertThatThrownBy(sink::flush).isInstanceOf(IOException.class);
    }
  }

  @ParameterizedTest(name = "failure after {0} packs")
  @ValueSource(ints = {0, 1, 63, 64, 65, 130})
  void aPackFailureAfterSomePacksLeavesEveryIndexedChunkReadable(int successfulPacks)
      throws Exception {
    initRepository(4096);
    faulty.failCreates("packs/", successfulPacks, () -> new IOException("quota exceeded"));
    Map<ChunkId, byte[]> stored = new HashMap<>();
    try (Repository repository = open(faulty);
        BlobSink sink = repository.newSink(1)) {
      Throwable thrown =
          catchThrowable(
              () -> {
                for (int i = 0; i < 200; i++) {
                  byte[] chunk = randomData(4096, 300 + i); // one chunk fills a pack
                  stored.put(sink.store(BlobType.DATA, chunk, 0, chunk.length).id(), chunk);
                }
                sink.flush();
              });

      assertThat(thrown).isInstanceOf(IOException.class).hasMessageContaining("quota exceeded");
      assertThatThrownBy(sink::flush).isInstanceOf(IOException.class);
    }
    Set<String> packs = new HashSet<>(names(memory, "packs/"));
    assertThat(packs).hasSize(successfulPacks);

    try (Repository reopened = open(memory)) {
      ChunkIndex index = reopened.index();
      for (PackId pack : index.packs()) {
        assertThat(packs).as("indexed pack exists").contains(pack.objectName());
      }
      // Index objects are written every 64 durable packs; the rest were never indexed.
      assertThat(index.size()).isBetween(successfulPacks / 64 * 64, successfulPacks);
      ChunkReader reader = reopened.reader();
      List<ChunkId> indexed = new ArrayList<>();
      index.forEach((pack, entry) -> indexed.add(entry.id()));
      for (ChunkId id : indexed) {
        assertThat(reader.read(id)).isEqualTo(stored.get(id));
      }
    }
  }

  @Test
  void aCrashMidwayLeavesNoIndexObjectNamingAMissingPack() throws Exception {
    initRepository(4096);
    faulty.crashAfterCreates(80);
    try (Repository repository = open(faulty);
        BlobSink sink = repository.newSink(1)) {
      try {
        for (int i = 0; i < 200; i++) {
          byte[] chunk = randomData(4096, 600 + i);
          sink.store(BlobType.DATA, chunk, 0, chunk.length);
        }
        sink.flush();
      } catch (IOException expected) {
        // the simulated crash
      }
    }

    try (Repository restarted = open(memory)) {
      ChunkIndex index = restarted.index();
      Set<String> existing = new HashSet<>(names(memory, "packs/"));
      for (PackId pack : index.packs()) {
        assertThat(existing).contains(pack.objectName());
      }
      ChunkReader reader = restarted.reader();
      index.forEach(
          (pack, entry) -> {
            try {
              reader.read(entry.id());
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          });
    }
  }

  @Test
  void concurrentWritersStoreEveryChunkOnceAndAllReadBack() throws Exception {
    initRepository(64 * 1024);
    Map<ChunkId, byte[]> expected = new ConcurrentHashMap<>();
    try (Repository repository = open(memory);
        BlobSink sink = repository.newSink(4)) {
      List<Future<Integer>> results = new ArrayList<>();
      try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int t = 0; t < 8; t++) {
          int thread = t;
          results.add(
              executor.submit(
                  () -> {
                    int newChunks = 0;
                    for (int i = 0; i < 100; i++) {
                      // Half the chunks are shared by all threads, so dedup races happen.
                      long seed = i % 2 == 0 ? i : 10_000 + thread * 1000 + i;
                      byte[] chunk =
                          i % 3 == 0 ? compressibleData(8192, seed) : randomData(8192, seed);
                      BlobSink.Stored stored =
                          sink.store(i % 7 == 0 ? BlobType.TREE : BlobType.DATA, chunk, 0, 8192);
                      expected.put(stored.id(), chunk);
                      if (stored.stored()) {
                        newChunks++;
                      }
                    }
                    return newChunks;
                  }));
        }
      }
      int newChunks = 0;
      for (Future<Integer> result : results) {
        newChunks += result.get();
      }
      sink.flush();

      assertThat(newChunks).isEqualTo(expected.size());
      assertThat(sink.storedChunks()).isEqualTo(expected.size());
    }

    try (Repository reopened = open(memory)) {
      ChunkReader reader = reopened.reader();
      assertThat(reader.index().size()).isEqualTo(expected.size());
      for (Map.Entry<ChunkId, byte[]> entry : expected.entrySet()) {
        assertThat(reader.read(entry.getKey())).isEqualTo(entry.getValue());
      }
    }
  }

  @Test
  void closingWithoutFlushForgetsTheUnflushedChunksFromTheIndex() throws Exception {
    initRepository(1 << 20);
    byte[] chunk = randomData(1000, 5);
    try (Repository repository = open(memory)) {
      ChunkId id;
      try (BlobSink sink = repository.newSink(1)) {
        id = sink.store(BlobType.DATA, chunk, 0, chunk.length).id();
        assertThat(repository.index().contains(id)).isTrue();
      }

      assertThat(repository.index().contains(id)).isFalse();
      try (BlobSink sink = repository.newSink(1)) {
        assertThat(sink.store(BlobType.DATA, chunk, 0, chunk.length).stored())
            .as("stored again: the first copy was never made durable")
            .isTrue();
        sink.flush();
      }
      assertThat(repository.reader().read(id)).isEqualTo(chunk);
    }
  }

  @Test
  void closingAFlushedSinkKeepsTheLoadedIndex() throws Exception {
    initRepository(1 << 20);
    try (Repository repository = open(memory)) {
      ChunkIndex index = repository.index();
      try (BlobSink sink = repository.newSink(1)) {
        sink.store(BlobType.DATA, new byte[] {1, 2, 3}, 0, 3);
        sink.flush();
      }

      assertThat(repository.index()).isSameAs(index);
    }
  }

  @Test
  void aSinkOverAnEmptyIndexRewritesChunksTheRepositoryAlreadyHas() throws Exception {
    initRepository(1 << 20);
    byte[] chunk = randomData(1000, 6);
    try (Repository repository = open(memory)) {
      try (BlobSink sink = repository.newSink(1)) {
        sink.store(BlobType.DATA, chunk, 0, chunk.length);
        sink.flush();
      }
      try (BlobSink repack = repository.newSink(1, new ChunkIndex())) {
        assertThat(repack.store(BlobType.DATA, chunk, 0, chunk.length).stored()).isTrue();
        repack.flush();
      }
    }

    assertThat(names(memory, "packs/")).hasSize(2);
    assertThat(names(memory, "index/")).hasSize(2);
  }
}
