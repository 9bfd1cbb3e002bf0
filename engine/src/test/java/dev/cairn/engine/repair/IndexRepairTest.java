package dev.cairn.engine.repair;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Losing or damaging index objects loses nothing: the packs' trailers rebuild the index. */
class IndexRepairTest {
  @TempDir Path directory;

  @Test
  void deletedIndexObjectsAreRebuiltFromPackTrailers() throws Exception {
    TestRepository test = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0", 3 * 1024 * 1024 + 5000, 1);
    RestorePoint point = test.backup("vm", disk).point();
    List<String> indexes = test.names("index/");
    assertThat(indexes).isNotEmpty();
    for (String name : indexes) {
      test.memory.delete(name);
    }
    TestRepository reopened = test.reopen();
    assertThat(reopened.check(0).damagedPoints()).containsExactly(point.id());

    IndexRepair.RepairResult result =
        new IndexRepair(reopened.repository, ProgressListener.NONE).repair();

    assertThat(result.packsReindexed()).isPositive();
    assertThat(result.chunksReindexed()).isGreaterThanOrEqualTo(48);
    assertThat(result.problems()).isEmpty();
    TestRepository repaired = reopened.reopen();
    assertThat(repaired.check(100).problems()).isEmpty();
    repaired.assertRestores(point, directory, disk);
  }

  @Test
  void aDamagedIndexObjectIsReplacedAndRemoved() throws Exception {
    TestRepository test = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk0", 2 * 1024 * 1024, 2);
    RestorePoint point = test.backup("vm", disk).point();
    String index = test.names("index/").getFirst();
    byte[] bytes = test.memory.read(index);
    bytes[bytes.length / 2] ^= 0x40;
    test.memory.replaceForTesting(index, bytes);

    IndexRepair.RepairResult result =
        new IndexRepair(test.reopen().repository, ProgressListener.NONE).repair();

    assertThat(result.damagedIndexesRemoved()).containsExactly(index);
    TestRepository repaired = test.reopen();
    assertThat(repaired.check(100).problems()).isEmpty();
    repaired.assertRestores(point, directory, disk);
  }

  @Test
  void aSoundRepositoryIsLeftAsItIs() throws Exception {
    TestRepository test = TestRepository.create();
    test.backup("vm", FakeDisk.random("disk0", 1024 * 1024, 3));
    List<String> before = test.names("");

    IndexRepair.RepairResult result =
        new IndexRepair(test.repository, ProgressListener.NONE).repair();

    assertThat(result.packsReindexed()).isZero();
    assertThat(test.names("")).isEqualTo(before);
  }
}
