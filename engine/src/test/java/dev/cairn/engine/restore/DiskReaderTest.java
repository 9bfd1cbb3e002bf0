package dev.cairn.engine.restore;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.point.RestorePoint;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class DiskReaderTest {
  /** Random, zero, and sparse-written blocks; the last block is partial. */
  private static FakeDisk disk(SplittableRandom random) {
    long size = 3L * 1024 * 1024 + 1 + random.nextInt(BLOCK - 1);
    FakeDisk disk = FakeDisk.zeros("disk.img", size);
    for (long block = 0; block * BLOCK < size; block++) {
      switch (random.nextInt(3)) {
        case 0 -> disk.randomBlock(block, random.nextLong());
        case 1 -> disk.write(block * BLOCK + random.nextInt(BLOCK / 2), new byte[] {42});
        default -> {} // hole
      }
    }
    disk.randomBlock((size - 1) / BLOCK, random.nextLong());
    return disk;
  }

  @RepeatedTest(3)
  void randomRangesEqualTheSource(RepetitionInfo repetition) throws Exception {
    SplittableRandom random = new SplittableRandom(77 + repetition.getCurrentRepetition());
    TestRepository repo = TestRepository.create();
    FakeDisk disk = disk(random);
    RestorePoint point = repo.backup("vm", disk).point();
    DiskReader reader = new DiskReader(repo.reopen().repository, point, 0);
    long size = disk.size();
    assertThat(reader.size()).isEqualTo(size);

    for (int i = 0; i < 300; i++) {
      long position;
      int length;
      switch (i % 4) {
        case 0 -> { // anywhere
          position = random.nextLong(size);
          length = random.nextInt(1, 3 * BLOCK);
        }
        case 1 -> { // straddling a block boundary
          position =
              Math.max(0, random.nextLong(1, size / BLOCK + 1) * BLOCK - random.nextInt(1, 100));
          length = random.nextInt(2, 300);
        }
        case 2 -> { // near the end, often past it
          position = size - random.nextInt(1, BLOCK + 100);
          length = random.nextInt(1, 2 * BLOCK);
        }
        default -> { // tiny reads, as a guest does
          position = random.nextLong(size);
          length = random.nextInt(1, 513);
        }
      }
      position = Math.max(0, position);
      int offset = random.nextInt(16);
      byte[] target = new byte[offset + length + 16];
      Arrays.fill(target, (byte) 0x5a);

      int read = reader.read(position, target, offset, length);

      int expectedLength = (int) Math.min(length, size - position);
      assertThat(read).as("bytes read at %d+%d", position, length).isEqualTo(expectedLength);
      byte[] expected = new byte[expectedLength];
      disk.readInto(position, expected, 0, expectedLength);
      assertThat(Arrays.copyOfRange(target, offset, offset + read))
          .as("content at %d+%d", position, length)
          .isEqualTo(expected);
      // Bytes outside the requested range are untouched.
      for (int j = 0; j < offset; j++) {
        assertThat(target[j]).isEqualTo((byte) 0x5a);
      }
      for (int j = offset + read; j < target.length; j++) {
        assertThat(target[j]).isEqualTo((byte) 0x5a);
      }
    }
  }

  @Test
  void holesEndAndInvalidArguments() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.zeros("disk.img", 2L * BLOCK + 100);
    disk.randomBlock(1, 5).write(2L * BLOCK + 99, new byte[] {7});
    RestorePoint point = repo.backup("vm", disk).point();
    DiskReader reader = new DiskReader(repo.repository, point, 0);

    assertThat(reader.isHole(0)).isTrue();
    assertThat(reader.isHole(BLOCK - 1)).isTrue();
    assertThat(reader.isHole(BLOCK)).isFalse();
    assertThat(reader.isHole(2L * BLOCK + 50)).isFalse();

    byte[] buffer = new byte[BLOCK];
    Arrays.fill(buffer, (byte) 1);
    assertThat(reader.read(10, buffer, 0, 100)).isEqualTo(100);
    assertThat(Arrays.copyOf(buffer, 100)).containsOnly(0);

    assertThat(reader.read(2L * BLOCK + 90, buffer, 0, 1000)).isEqualTo(10);
    assertThat(buffer[9]).isEqualTo((byte) 7);
    assertThat(reader.read(disk.size(), buffer, 0, 10)).isEqualTo(-1);
    assertThat(reader.read(disk.size() + BLOCK, buffer, 0, 10)).isEqualTo(-1);
    assertThat(reader.read(5, buffer, 0, 0)).isZero();
    assertThatThrownBy(() -> reader.read(-1, buffer, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DiskReader(repo.repository, point, 1))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("1 disk(s)");
  }

  @Test
  void readsAcrossLeafBoundariesOfALargeSparseDisk() throws Exception {
    TestRepository repo = TestRepository.create();
    long size = 129L * 1024 * 1024 + 4000;
    FakeDisk disk = FakeDisk.zeros("big.img", size);
    long last = (size - 1) / BLOCK;
    for (long block : new long[] {1023, 1024, 2047, 2048, last}) {
      disk.randomBlock(block, block * 31);
    }
    RestorePoint point = repo.backup("vm", disk).point();
    DiskReader reader = new DiskReader(repo.reopen().repository, point, 0);
    SplittableRandom random = new SplittableRandom(99);

    for (long boundary : new long[] {1024L * BLOCK, 2048L * BLOCK, last * BLOCK, 500L * BLOCK}) {
      for (int i = 0; i < 20; i++) {
        long position = Math.max(0, boundary - random.nextInt(1, 2 * BLOCK));
        int length = random.nextInt(1, 3 * BLOCK);
        byte[] target = new byte[length];
        int read = reader.read(position, target, 0, length);
        int expectedLength = (int) Math.min(length, size - position);
        assertThat(read).isEqualTo(expectedLength);
        byte[] expected = new byte[expectedLength];
        disk.readInto(position, expected, 0, expectedLength);
        assertThat(Arrays.copyOf(target, read)).isEqualTo(expected);
      }
    }
  }
}
