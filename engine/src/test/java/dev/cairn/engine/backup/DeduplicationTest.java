package dev.cairn.engine.backup;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeduplicationTest {
  @TempDir Path directory;

  @Test
  void theSameContentFromAnotherVmStoresNothingNew() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk golden = BackupRoundTripTest.mixedDisk("golden.img", 4L * 1024 * 1024 + 333, 7);
    RestorePoint first = repo.backup("web-01", golden).point();
    long packBytes = repo.bytesUnder("packs/");
    long created = repo.store.bytesCreated();

    RestorePoint clone = repo.backup("web-02", golden.copy("clone.img")).point();

    assertThat(clone.parent()).isNull(); // another VM: a full read, not an incremental
    assertThat(clone.statistics().bytesRead()).isEqualTo(golden.size());
    assertThat(clone.statistics().newChunks()).isZero();
    assertThat(clone.statistics().bytesStored()).isZero();
    assertThat(repo.bytesUnder("packs/")).isEqualTo(packBytes);
    // Only the lock and the manifest were written: a few KiB at most.
    assertThat(repo.store.bytesCreated() - created).isLessThan(8 * 1024);
    assertThat(clone.disks().getFirst().mapRoot()).isEqualTo(first.disks().getFirst().mapRoot());
    repo.reopen().assertRestores(clone, directory, golden);
  }

  @Test
  void aPartlySharedDiskStoresOnlyItsOwnBlocks() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk base = FakeDisk.random("base.img", 2L * 1024 * 1024, 8);
    repo.backup("template", base);
    FakeDisk derived = base.copy("derived.img");
    for (long block = 0; block < 32; block += 4) {
      derived.randomBlock(block, 500 + block);
    }

    RestorePoint point = repo.backup("derived-vm", derived).point();

    assertThat(point.statistics().newChunks()).isEqualTo(8);
    assertThat(point.statistics().bytesStored())
        .isBetween(8L * BLOCK, 8L * BLOCK + 8 * 1024); // raw random blocks plus GCM tags
    repo.assertRestores(point, directory, derived);
  }

  @Test
  void repeatedBlocksWithinOneDiskAreStoredOnce() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.zeros("repeated.img", 3L * 1024 * 1024);
    byte[] pattern = FakeDisk.random("pattern", BLOCK, 9).content();
    for (long block = 0; block < 48; block += 2) {
      disk.write(block * BLOCK, pattern);
    }

    RestorePoint point = repo.backup("vm", disk).point();

    assertThat(point.statistics().newChunks()).isEqualTo(1);
    assertThat(point.statistics().zeroBlocks()).isEqualTo(24);
    repo.reopen().assertRestores(point, directory, disk);
  }
}
