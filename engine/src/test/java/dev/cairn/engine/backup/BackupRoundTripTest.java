package dev.cairn.engine.backup;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.engine.restore.DiskReader;
import dev.cairn.engine.source.FileDiskSource;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRoundTripTest {
  @TempDir Path directory;

  /** Random, text and zero blocks, a size that is not a multiple of the block size. */
  static FakeDisk mixedDisk(String name, long size, long seed) {
    FakeDisk disk = FakeDisk.zeros(name, size);
    SplittableRandom random = new SplittableRandom(seed);
    long blocks = (size + BLOCK - 1) / BLOCK;
    for (long block = 0; block < blocks; block++) {
      switch ((int) (block % 4)) {
        case 0 -> disk.randomBlock(block, random.nextLong());
        case 1 -> {
          int length = (int) Math.min(BLOCK, size - block * BLOCK);
          byte[] text =
              ("block " + block + " of " + name + ": the quick brown fox. ")
                  .repeat(length / 20 + 1)
                  .substring(0, length)
                  .getBytes(StandardCharsets.US_ASCII);
          disk.write(block * BLOCK, text);
        }
        case 2 -> {} // a hole
        default -> disk.write(block * BLOCK + random.nextInt(BLOCK - 8), new byte[] {1, 2, 3});
      }
    }
    return disk;
  }

  @Test
  void restoresByteForByteAndLeavesZeroBlocksAsHoles() throws Exception {
    TestRepository repo = TestRepository.create();
    long size = 6L * 1024 * 1024 + 12_345; // 97 blocks, the last one partial
    FakeDisk disk = mixedDisk("disk0.img", size, 1);

    RestorePoint point = repo.backup("web-01", disk).point();

    assertThat(point.disks()).hasSize(1);
    assertThat(point.disks().getFirst().sizeBytes()).isEqualTo(size);
    assertThat(point.statistics().totalBlocks()).isEqualTo(97);
    assertThat(point.statistics().zeroBlocks()).isEqualTo(24); // blocks 2, 6, ..., 94
    assertThat(point.statistics().bytesRead()).isEqualTo(size);
    assertThat(point.statistics().incremental()).isFalse();
    assertThat(point.parent()).isNull();
    assertThat(point.warnings()).isEmpty();
    // The partial last block (block 96) holds random data: it is no hole.
    assertThat(new DiskReader(repo.repository, point, 0).isHole(size - 1)).isFalse();

    Path restored = repo.restore(point, 0, directory);
    TestRepository.assertSameContent(restored, disk);
    // 24 of 97 blocks are holes: the file must not have allocated them.
    long dataBytes = (97 - 24) * (long) BLOCK;
    assertThat(TestRepository.allocatedBytes(restored)).isLessThan(dataBytes + 4 * BLOCK);
    try (var files = Files.list(directory)) {
      assertThat(files.toList()).containsExactly(restored);
    }
  }

  @Test
  void allZeroDiskStoresNoDataAndRestoresAsOneHole() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.zeros("empty.img", 5L * 1024 * 1024 + 1);

    RestorePoint point = repo.backup("blank", disk).point();

    assertThat(point.disks().getFirst().mapRoot()).isNull();
    assertThat(point.statistics().zeroBlocks()).isEqualTo(81);
    assertThat(point.statistics().newChunks()).isZero();
    assertThat(point.statistics().bytesStored()).isZero();
    assertThat(repo.names("packs/")).isEmpty();
    Path restored = repo.restore(point, 0, directory);
    TestRepository.assertSameContent(restored, disk);
    assertThat(TestRepository.allocatedBytes(restored)).isLessThan(BLOCK);
    repo.assertSound();
  }

  @Test
  void multiDiskVmRestoresEachDiskInOrder() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk system = mixedDisk("system.img", 3L * 1024 * 1024 + 7, 2);
    FakeDisk data = FakeDisk.random("data.img", 2L * 1024 * 1024, 3);
    FakeDisk blank = FakeDisk.zeros("scratch.img", 1024 * 1024 + 512);
    FakeDisk tiny = FakeDisk.of("tiny.img", "boot sector".getBytes(StandardCharsets.US_ASCII));

    RestorePoint point = repo.backup("db-01", system, data, blank, tiny).point();

    assertThat(point.disks())
        .extracting(d -> d.name())
        .containsExactly("system.img", "data.img", "scratch.img", "tiny.img");
    assertThat(point.totalSizeBytes())
        .isEqualTo(system.size() + data.size() + blank.size() + tiny.size());
    RestorePoint reread = repo.reopen().point(point.id());
    repo.reopen().assertRestores(reread, directory, system, data, blank, tiny);
    repo.assertSound();
  }

  @Test
  void sparseDiskLargerThanOneLeafCrossesLeafBoundaries() throws Exception {
    TestRepository repo = TestRepository.create();
    long size = 130L * 1024 * 1024 + 100; // three leaves, the last one nearly empty
    FakeDisk disk = FakeDisk.zeros("big.img", size);
    long lastBlock = (size - 1) / BLOCK;
    for (long block : new long[] {0, 1023, 1024, 2047, 2048, lastBlock}) {
      disk.randomBlock(block, block);
    }

    RestorePoint point = repo.backup("big", disk).point();

    assertThat(point.statistics().totalBlocks()).isEqualTo(lastBlock + 1);
    assertThat(point.statistics().zeroBlocks()).isEqualTo(lastBlock + 1 - 6);
    assertThat(point.statistics().newChunks()).isEqualTo(6);
    assertThat(repo.treeChunks()).isEqualTo(3 + 1); // three leaves and the root
    Path restored = repo.restore(point, 0, directory);
    TestRepository.assertSameContent(restored, disk);
    assertThat(TestRepository.allocatedBytes(restored)).isLessThan(16L * BLOCK);

    DiskReader reader = new DiskReader(repo.repository, point, 0);
    assertThat(reader.isHole(2 * BLOCK)).isTrue();
    assertThat(reader.isHole(1024L * BLOCK)).isFalse();
    byte[] across = new byte[2 * BLOCK];
    byte[] expected = new byte[2 * BLOCK];
    assertThat(reader.read(1023L * BLOCK + 10, across, 0, across.length)).isEqualTo(across.length);
    disk.readInto(1023L * BLOCK + 10, expected, 0, expected.length);
    assertThat(across).isEqualTo(expected);
    repo.assertSound();
  }

  @Test
  void imageFileRoundTripsThroughFileDiskSource() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk content = mixedDisk("vm.img", 2L * 1024 * 1024 + 999, 4);
    Path image = directory.resolve("vm.img");
    Files.write(image, content.content());

    RestorePoint point;
    try (FileDiskSource source = FileDiskSource.open(image)) {
      point = repo.backup("file-vm", source).point();
    }

    assertThat(point.disks().getFirst().source()).isEqualTo(image.toAbsolutePath().toString());
    Path restored = repo.restore(point, 0, directory);
    assertThat(Files.mismatch(restored, image)).isEqualTo(-1L);
  }
}
