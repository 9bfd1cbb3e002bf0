package dev.cairn.engine.backup;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.point.RestorePoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncrementalBackupTest {
  private static final long SIZE = 4L * 1024 * 1024 + 1000; // 65 blocks, the last one partial

  @TempDir Path directory;

  @Test
  void readsOnlyChangedBlocksAndRestoresBothPoints() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0.img", SIZE, 10);
    RestorePoint full = repo.backup("vm", disk).point();
    FakeDisk before = disk.copy("before");

    disk.write(3L * BLOCK + 100, "changed".getBytes(StandardCharsets.US_ASCII));
    disk.randomBlock(40, 11).randomBlock(41, 12);
    disk.write(SIZE - 10, new byte[] {9, 9, 9});
    disk.resetCounters();

    RestorePoint incremental =
        repo.incremental(
                "vm",
                disk,
                new Extent(3L * BLOCK + 100, 7),
                new Extent(40L * BLOCK + 65_000, 2 * BLOCK - 65_000), // ends in block 41
                new Extent(SIZE - 10, 3))
            .point();

    assertThat(disk.blocksRead()).containsExactlyInAnyOrder(3L, 40L, 41L, 64L);
    assertThat(disk.bytesRead()).isEqualTo(3L * BLOCK + 1000);
    assertThat(incremental.statistics().bytesRead()).isEqualTo(3L * BLOCK + 1000);
    assertThat(incremental.statistics().incremental()).isTrue();
    assertThat(incremental.statistics().changedBlocks()).isEqualTo(4);
    assertThat(incremental.statistics().newChunks()).isEqualTo(4);
    assertThat(incremental.statistics().totalBlocks()).isEqualTo(65);
    assertThat(incremental.parent()).isEqualTo(full.id());
    assertThat(incremental.warnings()).isEmpty();

    TestRepository fresh = repo.reopen();
    fresh.assertRestores(incremental, directory, disk);
    fresh.assertRestores(full, directory, before);
    fresh.assertSound();
  }

  @Test
  void extentsThatChangedNothingStoreNothingNew() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0.img", SIZE, 20);
    repo.backup("vm", disk);
    disk.resetCounters();

    RestorePoint again = repo.incremental("vm", disk, new Extent(5L * BLOCK, 2 * BLOCK)).point();

    assertThat(disk.blocksRead()).containsExactlyInAnyOrder(5L, 6L);
    assertThat(again.statistics().changedBlocks()).isZero();
    assertThat(again.statistics().newChunks()).isZero();
    assertThat(again.statistics().bytesStored()).isZero();
  }

  @Test
  void entropyIsNearEightForRandomChangesAndLowerForText() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.zeros("disk0.img", SIZE);
    repo.backup("vm", disk);

    for (long block = 0; block < 16; block++) {
      disk.randomBlock(block, 100 + block);
    }
    RestorePoint random = repo.incremental("vm", disk, new Extent(0, 16L * BLOCK)).point();

    byte[] text =
        "Dear diary, today the backup ran again and nothing interesting happened at all. "
            .repeat(16 * BLOCK / 80 + 1)
            .substring(0, 16 * BLOCK)
            .getBytes(StandardCharsets.US_ASCII);
    disk.write(32L * BLOCK, text);
    RestorePoint prose = repo.incremental("vm", disk, new Extent(32L * BLOCK, text.length)).point();

    assertThat(random.statistics().changedBlocks()).isEqualTo(16);
    assertThat(random.statistics().changedDataEntropy()).isBetween(7.5, 8.0);
    assertThat(random.statistics().changedBytesCompressed())
        .isGreaterThanOrEqualTo(random.statistics().changedBytesRaw());
    assertThat(prose.statistics().changedBlocks()).isEqualTo(16);
    assertThat(prose.statistics().changedDataEntropy()).isBetween(1.0, 5.5);
    assertThat(prose.statistics().changedBytesCompressed())
        .isLessThan(prose.statistics().changedBytesRaw() / 10);
  }

  @Test
  void oneChangedBlockOnALargeSparseDiskStoresLittleMetadata() throws Exception {
    TestRepository repo = TestRepository.create();
    long size = 200L * 1024 * 1024; // 3200 blocks: four leaves under a root
    FakeDisk disk = FakeDisk.zeros("big.img", size);
    for (long block : new long[] {7, 1500, 2500, 3199}) {
      disk.randomBlock(block, block);
    }
    RestorePoint full = repo.backup("big", disk).point();
    long treeChunksBefore = repo.treeChunks();
    long treeBytesBefore = repo.bytesUnder("packs/tree/");
    FakeDisk before = disk.copy("before");

    disk.write(2100L * BLOCK + 5, "one small change".getBytes(StandardCharsets.US_ASCII));
    disk.resetCounters();
    RestorePoint incremental =
        repo.incremental("big", disk, new Extent(2100L * BLOCK + 5, 16)).point();

    assertThat(disk.blocksRead()).containsExactly(2100L);
    assertThat(incremental.statistics().bytesRead()).isEqualTo(BLOCK);
    assertThat(incremental.statistics().changedBlocks()).isEqualTo(1);
    assertThat(incremental.statistics().newChunks()).isEqualTo(1);
    // A text block with one sentence compresses to almost nothing.
    assertThat(incremental.statistics().bytesStored()).isLessThan(1024);
    // One new leaf (leaf 2) and a new root; the three other leaves are shared with the parent.
    assertThat(repo.treeChunks() - treeChunksBefore).isEqualTo(2);
    assertThat(repo.bytesUnder("packs/tree/") - treeBytesBefore).isLessThan(4096);

    TestRepository fresh = repo.reopen();
    fresh.assertRestores(incremental, directory, disk);
    fresh.assertRestores(full, directory, before);
    fresh.assertSound();
  }

  @Test
  void extentsWithoutAParentMeanAFullReadWithAWarning() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0.img", SIZE, 30);

    RestorePoint point = repo.incremental("first-vm", disk, new Extent(0, BLOCK)).point();

    assertThat(disk.bytesRead()).isEqualTo(SIZE);
    assertThat(point.statistics().incremental()).isFalse();
    assertThat(point.parent()).isNull();
    assertThat(point.warnings())
        .singleElement()
        .asString()
        .contains("disk0.img")
        .contains("no earlier restore point")
        .contains("whole disk");
    repo.assertRestores(point, directory, disk);
  }

  @Test
  void extentsForAResizedDiskMeanAFullReadWithAWarning() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk small = FakeDisk.random("disk0.img", SIZE, 40);
    RestorePoint first = repo.backup("vm", small).point();
    FakeDisk grown = FakeDisk.zeros("disk0.img", SIZE + 3L * BLOCK);
    grown.write(0, small.content()).randomBlock(66, 41);

    RestorePoint point = repo.incremental("vm", grown, new Extent(66L * BLOCK, BLOCK)).point();

    assertThat(grown.bytesRead()).isEqualTo(grown.size());
    assertThat(point.statistics().incremental()).isFalse();
    assertThat(point.parent()).isEqualTo(first.id());
    assertThat(point.warnings())
        .singleElement()
        .asString()
        .contains("differs in size")
        .contains(first.shortId());
    // Every whole block of the old disk deduplicates; its partial last block is now a whole one.
    assertThat(point.statistics().newChunks()).isEqualTo(2);
    repo.assertRestores(point, directory, grown);
    repo.assertRestores(first, directory, small);
  }

  @Test
  void changesTrackedSinceAnOlderPointMeanAFullReadWithAWarning() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0.img", SIZE, 50);
    RestorePoint first = repo.backup("vm", disk).point();
    RestorePoint second = repo.backup("vm", disk.copy("disk0.img").randomBlock(3, 51)).point();
    FakeDisk now = disk.copy("disk0.img").randomBlock(3, 51).randomBlock(9, 52);

    // The connector's bitmap started at the first point, but the newest point is the second.
    RestorePoint point =
        repo.backup(
                new BackupRequest(
                    TestRepository.request("vm", List.of(now)).vm(),
                    TestRepository.request("vm", List.of(now)).source(),
                    List.of(now),
                    List.of(Optional.of(List.of(new Extent(9L * BLOCK, BLOCK)))),
                    List.of(),
                    List.of(java.util.Map.of("qemu.checkpoint", "cairn-3")),
                    Optional.of(first.id()),
                    List.of("bitmap note from the connector")))
            .point();

    assertThat(now.bytesRead()).isEqualTo(SIZE);
    assertThat(point.statistics().incremental()).isFalse();
    assertThat(point.parent()).isEqualTo(second.id());
    assertThat(point.warnings())
        .hasSize(2)
        .contains("bitmap note from the connector")
        .anySatisfy(
            warning ->
                assertThat(warning)
                    .contains(first.id())
                    .contains(second.shortId())
                    .contains("full"));
    assertThat(point.disks().getFirst().changeTracking())
        .containsEntry("qemu.checkpoint", "cairn-3");
    repo.assertRestores(point, directory, now);
  }

  @Test
  void changesTrackedSinceTheNewestPointMakeAnIncremental() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0.img", SIZE, 60);
    RestorePoint first = repo.backup("vm", disk).point();
    FakeDisk now = disk.copy("disk0.img").randomBlock(9, 61);
    BackupRequest plain =
        TestRepository.request(
            "vm", List.of(now), List.of(Optional.of(List.of(new Extent(9L * BLOCK, BLOCK)))));

    RestorePoint point =
        repo.backup(
                new BackupRequest(
                    plain.vm(),
                    plain.source(),
                    plain.disks(),
                    plain.changedExtents(),
                    List.of(),
                    List.of(java.util.Map.of()),
                    Optional.of(first.id()),
                    List.of()))
            .point();

    assertThat(now.bytesRead()).isEqualTo(BLOCK);
    assertThat(point.statistics().incremental()).isTrue();
    assertThat(point.warnings()).isEmpty();
    repo.assertRestores(point, directory, now);
  }

  @Test
  void anExtentPastTheEndOfTheDiskIsRejected() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0.img", SIZE, 50);
    repo.backup("vm", disk);
    disk.resetCounters();

    assertThatThrownBy(() -> repo.incremental("vm", disk, new Extent(SIZE - 10, 11)))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
        .hasMessageContaining(disk.description())
        .hasMessageContaining(String.valueOf(SIZE));
    assertThat(disk.readCalls()).isZero();
    assertThat(repo.points()).hasSize(1);
  }

  @Test
  void onlyTheDisksWithExtentsAreReadPartially() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk first = FakeDisk.random("a.img", SIZE, 60);
    FakeDisk second = FakeDisk.random("b.img", 2L * 1024 * 1024, 61);
    repo.backup("vm", first, second);
    first.randomBlock(10, 62);
    second.randomBlock(3, 63);
    first.resetCounters();
    second.resetCounters();

    RestorePoint point =
        repo.backup(
                TestRepository.request(
                    "vm",
                    List.of(first, second),
                    List.of(
                        Optional.of(List.of(new Extent(10L * BLOCK, BLOCK))), Optional.empty())))
            .point();

    assertThat(first.blocksRead()).containsExactly(10L);
    assertThat(second.bytesRead()).isEqualTo(second.size());
    assertThat(point.statistics().incremental()).isTrue();
    assertThat(point.statistics().changedBlocks()).isEqualTo(2);
    repo.reopen().assertRestores(point, directory, first, second);
  }

  /**
   * A chain of incrementals with random writes, each described by random extents that cover every
   * write (and some blocks that did not change): every point of the chain restores to the content
   * the disk had when it was taken.
   */
  @RepeatedTest(4)
  void randomIncrementalChainsRestoreEveryPoint(RepetitionInfo repetition) throws Exception {
    SplittableRandom random = new SplittableRandom(1000 + repetition.getCurrentRepetition());
    TestRepository repo = TestRepository.create();
    long size = 3L * 1024 * 1024 + random.nextInt(BLOCK);
    FakeDisk disk = FakeDisk.random("chain.img", size, random.nextLong());
    List<RestorePoint> points = new ArrayList<>();
    List<FakeDisk> contents = new ArrayList<>();
    points.add(repo.backup("vm", disk).point());
    contents.add(disk.copy("v0"));

    for (int generation = 1; generation <= 4; generation++) {
      List<Extent> extents = new ArrayList<>();
      Set<Long> touched = new TreeSet<>();
      for (int write = random.nextInt(1, 6); write > 0; write--) {
        long offset = random.nextLong(size);
        int length = (int) Math.min(size - offset, random.nextInt(1, 3 * BLOCK));
        byte[] data = new byte[length];
        if (random.nextBoolean()) {
          random.nextBytes(data); // otherwise zeros: blocks may become holes
        }
        disk.write(offset, data);
        extents.add(new Extent(offset, length));
        for (long block = offset / BLOCK; block <= (offset + length - 1) / BLOCK; block++) {
          touched.add(block);
        }
      }
      long spare = random.nextLong(size / BLOCK);
      extents.add(new Extent(spare * BLOCK, 1)); // an unchanged block reported as changed
      touched.add(spare);
      disk.resetCounters();

      RestorePoint point = repo.incremental("vm", disk, extents.toArray(Extent[]::new)).point();

      assertThat(disk.blocksRead()).isEqualTo(touched);
      assertThat(point.parent()).isEqualTo(points.getLast().id());
      points.add(point);
      contents.add(disk.copy("v" + generation));
    }
    TestRepository fresh = repo.reopen();
    for (int i = 0; i < points.size(); i++) {
      fresh.assertRestores(points.get(i), directory, contents.get(i));
    }
    fresh.assertSound();
  }
}
