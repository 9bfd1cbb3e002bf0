package dev.cairn.repository.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class IndexFileTest {
  private static final String NAME = "index/" + "1".repeat(64);

  static IndexFile randomIndex(SplittableRandom random, int maximumPacks, int maximumEntries) {
    List<IndexFile.PackEntries> packs = new ArrayList<>();
    int packCount = random.nextInt(maximumPacks + 1);
    for (int p = 0; p < packCount; p++) {
      PackKind kind = random.nextBoolean() ? PackKind.DATA : PackKind.TREE;
      List<BlobEntry> entries = new ArrayList<>();
      int entryCount = random.nextInt(maximumEntries + 1);
      for (int e = 0; e < entryCount; e++) {
        entries.add(
            new BlobEntry(
                new ChunkId(
                    random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()),
                random.nextBoolean() ? BlobType.DATA : BlobType.TREE,
                random.nextBoolean() ? Compression.NONE : Compression.ZSTD,
                random.nextInt(Integer.MAX_VALUE),
                16 + random.nextInt(Integer.MAX_VALUE - 16),
                random.nextInt(Integer.MAX_VALUE)));
      }
      packs.add(new IndexFile.PackEntries(PackId.random(kind, random), entries));
    }
    return new IndexFile(packs);
  }

  @RepeatedTest(30)
  void encodeThenDecodeGivesTheSameIndex(RepetitionInfo repetition) throws Exception {
    IndexFile index = randomIndex(new SplittableRandom(repetition.getCurrentRepetition()), 10, 200);

    byte[] payload = index.encode();

    assertThat(IndexFile.decode(payload, NAME)).isEqualTo(index);
    int expectedLength = 4;
    for (IndexFile.PackEntries pack : index.packs()) {
      expectedLength += 1 + 32 + 4 + BlobEntry.SERIALIZED_LENGTH * pack.entries().size();
    }
    assertThat(payload).hasSize(expectedLength);
  }

  @Test
  void anEmptyIndexAndAPackWithoutEntriesRoundTrip() throws Exception {
    IndexFile empty = new IndexFile(List.of());
    IndexFile emptyPack =
        new IndexFile(
            List.of(
                new IndexFile.PackEntries(new PackId("f".repeat(64), PackKind.TREE), List.of())));

    assertThat(IndexFile.decode(empty.encode(), NAME)).isEqualTo(empty);
    assertThat(IndexFile.decode(emptyPack.encode(), NAME)).isEqualTo(emptyPack);
    assertThat(emptyPack.entryCount()).isZero();
  }

  @Test
  void entryCountSumsOverPacks() {
    IndexFile index = randomIndex(new SplittableRandom(5), 6, 30);

    assertThat(index.entryCount())
        .isEqualTo(index.packs().stream().mapToInt(pack -> pack.entries().size()).sum());
  }

  @Test
  void everyTruncationIsDamage() {
    SplittableRandom random = new SplittableRandom(6);
    byte[] payload = new byte[0];
    while (payload.length < 200) {
      payload = randomIndex(random, 3, 3).encode();
    }

    for (int length = 0; length < payload.length; length++) {
      byte[] truncated = Arrays.copyOf(payload, length);

      assertThat(catchThrowable(() -> IndexFile.decode(truncated, NAME)))
          .as("truncated to %d", length)
          .isInstanceOf(DamagedObjectException.class)
          .hasMessageContaining(NAME);
    }
  }

  @Test
  void trailingBytesAreDamage() {
    byte[] payload = randomIndex(new SplittableRandom(7), 3, 3).encode();

    assertThatThrownBy(() -> IndexFile.decode(Arrays.copyOf(payload, payload.length + 1), NAME))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void absurdPackCountsAreDamageNotAllocations() {
    for (int count : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 1 << 30, 2}) {
      byte[] payload = ByteBuffer.allocate(40).putInt(count).array();

      assertThatThrownBy(() -> IndexFile.decode(payload, NAME))
          .as("pack count %d", count)
          .isInstanceOf(DamagedObjectException.class);
    }
  }

  @Test
  void absurdEntryCountsAreDamageNotAllocations() {
    for (int count : new int[] {Integer.MAX_VALUE, -1, 1 << 26, 1}) {
      ByteBuffer payload = ByteBuffer.allocate(4 + 1 + 32 + 4 + 10);
      payload.putInt(1).put((byte) 0).put(new byte[32]).putInt(count);

      assertThatThrownBy(() -> IndexFile.decode(payload.array(), NAME))
          .as("entry count %d", count)
          .isInstanceOf(DamagedObjectException.class);
    }
  }

  @Test
  void unknownCodesAreDamage() {
    IndexFile index =
        new IndexFile(
            List.of(
                new IndexFile.PackEntries(
                    new PackId("a".repeat(64), PackKind.DATA),
                    List.of(
                        new BlobEntry(
                            new ChunkId(1, 2, 3, 4),
                            BlobType.DATA,
                            Compression.NONE,
                            37,
                            20,
                            4)))));
    byte[] payload = index.encode();
    int kind = 4;
    int type = 4 + 1 + 32 + 4 + 32;
    int compression = type + 1;
    int storedLength = compression + 1 + 4;

    for (int position : new int[] {kind, type, compression}) {
      byte[] damaged = payload.clone();
      damaged[position] = 9;
      assertThatThrownBy(() -> IndexFile.decode(damaged, NAME))
          .isInstanceOf(DamagedObjectException.class)
          .hasMessageContaining("unknown");
    }
    byte[] shortStored = payload.clone();
    ByteBuffer.wrap(shortStored).putInt(storedLength, 15);
    assertThatThrownBy(() -> IndexFile.decode(shortStored, NAME))
        .isInstanceOf(DamagedObjectException.class);
  }

  @RepeatedTest(20)
  void randomGarbageIsEitherAValidIndexOrDamageAndNothingElse(RepetitionInfo repetition) {
    SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition() * 7919L);
    for (int i = 0; i < 500; i++) {
      byte[] garbage = new byte[random.nextInt(300)];
      random.nextBytes(garbage);
      if (garbage.length >= 4 && random.nextBoolean()) {
        // Plausible small pack counts reach deeper into the decoder.
        ByteBuffer.wrap(garbage).putInt(random.nextInt(3));
      }

      Throwable thrown = catchThrowable(() -> IndexFile.decode(garbage, NAME));

      if (thrown != null) {
        assertThat(thrown).isInstanceOf(DamagedObjectException.class);
        assertThat(((DamagedObjectException) thrown).objectName()).isEqualTo(NAME);
      }
    }
  }

  @RepeatedTest(10)
  void randomlyMutatedValidIndexesAreEitherValidOrDamage(RepetitionInfo repetition)
      throws Exception {
    SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
    byte[] payload = randomIndex(random, 4, 5).encode();
    for (int i = 0; i < 300 && payload.length > 0; i++) {
      byte[] mutated = payload.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
      }

      Throwable thrown = catchThrowable(() -> IndexFile.decode(mutated, NAME));

      if (thrown != null) {
        assertThat(thrown).isInstanceOf(DamagedObjectException.class);
      } else {
        // Whatever decodes must encode back to exactly the same bytes.
        assertThat(IndexFile.decode(mutated, NAME).encode()).isEqualTo(mutated);
      }
    }
  }
}
