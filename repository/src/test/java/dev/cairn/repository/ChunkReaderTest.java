package dev.cairn.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.repository.compression.Compressor;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.BlobLocation;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.pack.PackWriter;
import dev.cairn.repository.testing.TestRepositories;
import dev.cairn.storage.memory.MemoryBlobStore;
import dev.cairn.storage.testing.FaultInjectingBlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChunkReaderTest {
  private final MemoryBlobStore memory = new MemoryBlobStore();
  private final List<byte[]> chunks = new ArrayList<>();
  private final List<ChunkId> ids = new ArrayList<>();

  private static byte[] randomData(int length, long seed) {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    return data;
  }

  /** A repository with three random chunks and one compressible chunk in one data pack. */
  @BeforeEach
  void storeChunks() throws IOException {
    try (Repository repository = TestRepositories.init(memory);
        BlobSink sink = repository.newSink(1)) {
      for (int i = 0; i < 4; i++) {
        byte[] chunk = randomData(10_000, i);
        if (i == 3) {
          Arrays.fill(chunk, 100, chunk.length, (byte) 0x42);
        }
        chunks.add(chunk);
        ids.add(sink.store(BlobType.DATA, chunk, 0, chunk.length).id());
      }
      sink.flush();
    }
  }

  private Repository open() throws IOException {
    return TestRepositories.open(memory);
  }

  private BlobLocation location(int chunk) throws IOException {
    try (Repository repository = open()) {
      return repository.reader().locate(ids.get(chunk));
    }
  }

  private void flipByte(String name, int position) throws IOException {
    byte[] bytes = memory.read(name);
    bytes[position] ^= 0x20;
    memory.replaceForTesting(name, bytes);
  }

  @Test
  void everyStoredChunkReadsBackAndTheCompressibleOneWasCompressed() throws Exception {
    try (Repository repository = open()) {
      ChunkReader reader = repository.reader();
      for (int i = 0; i < chunks.size(); i++) {
        assertThat(reader.read(ids.get(i))).isEqualTo(chunks.get(i));
      }
      assertThat(reader.locate(ids.get(3)).entry().compression()).isEqualTo(Compression.ZSTD);
      assertThat(reader.locate(ids.get(0)).entry().compression()).isEqualTo(Compression.NONE);
    }
  }

  @Test
  void aFlippedByteInABlobFailsThatChunkNamingThePackAndTheChunkAndNoOther() throws Exception {
    for (int damaged : new int[] {0, 3}) {
      BlobLocation location = location(damaged);
      String pack = location.pack().objectName();
      byte[] original = memory.read(pack);
      flipByte(pack, location.entry().offset() + location.entry().storedLength() / 2);

      try (Repository repository = open()) {
        ChunkReader reader = repository.reader();
        DamagedObjectException thrown =
            catchThrowableOfType(DamagedObjectException.class, () -> reader.read(ids.get(damaged)));

        assertThat(thrown.objectName()).isEqualTo(pack);
        assertThat(thrown).hasMessageContaining(ids.get(damaged).shortHex());
        assertThat(thrown.code()).isEqualTo(ErrorCode.DAMAGED_DATA);
        for (int other = 0; other < chunks.size(); other++) {
          if (other != damaged) {
            assertThat(reader.read(ids.get(other))).isEqualTo(chunks.get(other));
          }
        }
      }
      memory.replaceForTesting(pack, original);
    }
  }

  @Test
  void dataCorruptedByTheStoreInTransitIsDetected() throws Exception {
    FaultInjectingBlobStore faulty = new FaultInjectingBlobStore(memory);
    faulty.corruptReads(
        "packs/",
        bytes -> {
          if (bytes.length > 100) {
            bytes[bytes.length - 1] ^= 1;
          }
          return bytes;
        });

    try (Repository repository = TestRepositories.open(faulty)) {
      ChunkReader reader = repository.reader();
      for (ChunkId id : ids) {
        DamagedObjectException thrown =
            catchThrowableOfType(DamagedObjectException.class, () -> reader.read(id));
        assertThat(thrown.objectName()).startsWith("packs/data/");
        assertThat(thrown).hasMessageContaining(id.shortHex());
      }
    }
  }

  @Test
  void aDamagedPackHeaderFailsEveryChunkOfThePack() throws Exception {
    String pack = location(0).pack().objectName();
    flipByte(pack, 10); // a byte of the salt: another key

    try (Repository repository = open()) {
      ChunkReader reader = repository.reader();
      for (ChunkId id : ids) {
        assertThat(
                catchThrowableOfType(DamagedObjectException.class, () -> reader.read(id))
                    .objectName())
            .isEqualTo(pack);
      }
    }
  }

  @Test
  void aMissingPackIsReportedAsMissing() throws Exception {
    String pack = location(0).pack().objectName();
    memory.delete(pack);

    try (Repository repository = open()) {
      DamagedObjectException thrown =
          catchThrowableOfType(
              DamagedObjectException.class, () -> repository.reader().read(ids.get(1)));

      assertThat(thrown.objectName()).isEqualTo(pack);
      assertThat(thrown).hasMessageContaining("pack is missing");
    }
  }

  @Test
  void aTruncatedPackIsReportedAsTruncated() throws Exception {
    BlobLocation last = location(3);
    String pack = last.pack().objectName();
    memory.replaceForTesting(pack, Arrays.copyOf(memory.read(pack), last.entry().offset() + 10));

    try (Repository repository = open()) {
      ChunkReader reader = repository.reader();
      DamagedObjectException thrown =
          catchThrowableOfType(DamagedObjectException.class, () -> reader.read(ids.get(3)));

      assertThat(thrown.objectName()).isEqualTo(pack);
      assertThat(thrown).hasMessageContaining("truncated");
      assertThat(reader.read(ids.get(0))).isEqualTo(chunks.get(0));
    }
  }

  @Test
  void aPackTruncatedInsideItsHeaderIsReportedAsTruncated() throws Exception {
    String pack = location(0).pack().objectName();
    memory.replaceForTesting(pack, Arrays.copyOf(memory.read(pack), 20));

    try (Repository repository = open()) {
      DamagedObjectException thrown =
          catchThrowableOfType(
              DamagedObjectException.class, () -> repository.reader().read(ids.get(0)));

      assertThat(thrown.objectName()).isEqualTo(pack);
      assertThat(thrown).hasMessageContaining("truncated");
    }
  }

  @Test
  void aChunkNoIndexKnowsIsMissingData() throws Exception {
    ChunkId unknown = new ChunkId(1, 2, 3, 4);

    try (Repository repository = open()) {
      DamagedObjectException thrown =
          catchThrowableOfType(
              DamagedObjectException.class, () -> repository.reader().read(unknown));

      assertThat(thrown)
          .hasMessageContaining(unknown.shortHex())
          .hasMessageContaining("not in any index");
    }
  }

  @Test
  void coalescedReadsDecodeEachBlobAtItsOffsetInTheBuffer() throws Exception {
    try (Repository repository = open()) {
      ChunkReader reader = repository.reader();
      BlobLocation first = reader.locate(ids.get(0));
      BlobLocation second = reader.locate(ids.get(1));
      assertThat(second.pack()).isEqualTo(first.pack());
      BlobEntry a = first.entry();
      BlobEntry b = second.entry();
      int start = Math.min(a.offset(), b.offset());
      int end = Math.max(a.offset() + a.storedLength(), b.offset() + b.storedLength());

      byte[] range = reader.readPackRange(first.pack(), start, end - start);

      assertThat(reader.decode(first.pack(), a, range, a.offset() - start))
          .isEqualTo(chunks.get(0));
      assertThat(reader.decode(first.pack(), b, range, b.offset() - start))
          .isEqualTo(chunks.get(1));
    }
  }

  // Blobs that authenticate but are wrong: only a writer holding the key (a buggy one) can make
  // them, and the reader's last two checks exist for exactly that.

  private ChunkId writeForgedPack(ChunkId id, Compression compression, int rawLength, byte[] stored)
      throws IOException {
    try (Repository repository = open()) {
      PackWriter writer =
          new PackWriter(repository.cipher(), repository.random(), 1 << 20, PackKind.DATA);
      BlobEntry entry =
          writer.add(id, BlobType.DATA, compression, rawLength, stored, 0, stored.length);
      PackWriter.FinishedPack pack = writer.finish();
      memory.create(pack.id().objectName(), pack.bytes());
      repository.writeIndexFile(
          new IndexFile(List.of(new IndexFile.PackEntries(pack.id(), List.of(entry)))));
      return id;
    }
  }

  @Test
  void aBlobWhoseContentDoesNotHashToItsIdIsRejected() throws Exception {
    byte[] data = randomData(1000, 50);
    ChunkId id;
    try (Repository repository = open()) {
      id = repository.hasher().hash(randomData(1000, 51), 0, 1000);
    }
    writeForgedPack(id, Compression.NONE, data.length, data);

    try (Repository repository = open()) {
      DamagedObjectException thrown =
          catchThrowableOfType(DamagedObjectException.class, () -> repository.reader().read(id));

      assertThat(thrown)
          .hasMessageContaining("does not match its id")
          .hasMessageContaining(id.shortHex());
    }
  }

  @Test
  void aBlobOfAnotherLengthThanItsEntryIsRejected() throws Exception {
    byte[] data = randomData(1000, 52);
    ChunkId id;
    try (Repository repository = open()) {
      id = repository.hasher().hash(data, 0, 999);
    }
    writeForgedPack(id, Compression.NONE, 999, data);

    try (Repository repository = open()) {
      assertThat(
              catchThrowableOfType(
                  DamagedObjectException.class, () -> repository.reader().read(id)))
          .hasMessageContaining("wrong length");
    }
  }

  @Test
  void aCompressedBlobThatDecompressesToAnotherLengthIsRejected() throws Exception {
    byte[] data = new byte[5000];
    Arrays.fill(data, (byte) 7);
    byte[] output = new byte[Compressor.maximumCompressedLength(data.length)];
    int compressed = Compressor.compressIfWorthwhile(data, 0, data.length, output, 0);
    ChunkId id;
    try (Repository repository = open()) {
      id = repository.hasher().hash(data, 0, data.length);
    }
    writeForgedPack(id, Compression.ZSTD, data.length + 1, Arrays.copyOf(output, compressed));

    try (Repository repository = open()) {
      DamagedObjectException thrown =
          catchThrowableOfType(DamagedObjectException.class, () -> repository.reader().read(id));

      assertThat(thrown.objectName()).startsWith("packs/data/");
      assertThat(thrown).hasMessageContaining(id.shortHex());
    }
  }
}
