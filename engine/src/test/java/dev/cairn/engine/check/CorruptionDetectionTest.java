package dev.cairn.engine.check;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.engine.restore.DiskReader;
import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage to any object is found by check, which names the object and the restore points it breaks;
 * a damaged point refuses to restore rather than produce wrong data; the others restore.
 */
class CorruptionDetectionTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;

  private TestRepository repo;
  private FakeDisk diskA;
  private FakeDisk diskB;
  private RestorePoint pointA;
  private RestorePoint pointB;
  private String dataPackA;
  private String indexA;

  @BeforeEach
  void twoPointsInSeparatePacks() throws IOException {
    repo = TestRepository.create();
    diskA = FakeDisk.random("a.img", 2 * MIB + 5, 1);
    diskB = FakeDisk.random("b.img", 2 * MIB + 9, 2);
    List<String> packsBefore = repo.names("packs/data/");
    List<String> indexesBefore = repo.names("index/");
    pointA = repo.backup("vm-a", diskA).point();
    dataPackA = onlyNew(repo.names("packs/data/"), packsBefore);
    indexA = onlyNew(repo.names("index/"), indexesBefore);
    pointB = repo.backup("vm-b", diskB).point();
    assertThat(repo.check(100).ok()).isTrue();
  }

  /** The one data pack (or index) the first backup wrote; two workers may write two packs. */
  private static String onlyNew(List<String> after, List<String> before) {
    List<String> added = new ArrayList<>(after);
    added.removeAll(before);
    assertThat(added).isNotEmpty();
    return added.getFirst();
  }

  private void flipByte(String name, int position) throws IOException {
    byte[] bytes = repo.memory.read(name);
    int at = position >= 0 ? position : bytes.length + position;
    bytes[at] ^= 0x01;
    repo.memory.replaceForTesting(name, bytes);
  }

  private void truncate(String name, int length) throws IOException {
    repo.memory.replaceForTesting(name, Arrays.copyOf(repo.memory.read(name), length));
  }

  @Test
  void aFlippedByteInADataPackIsFoundByReadingData() throws Exception {
    flipByte(dataPackA, 100); // inside the first blob
    TestRepository fresh = repo.reopen();

    CheckReport full = fresh.check(100);

    assertThat(full.ok()).isFalse();
    assertThat(full.problems()).anySatisfy(p -> assertThat(p).contains(dataPackA));
    assertThat(full.damagedPoints()).containsExactly(pointA.id());
    assertThat(full.problems())
        .anySatisfy(p -> assertThat(p).contains("Damaged restore point " + pointA.id()));
    assertThat(full.chunksVerified()).isPositive();
    // Structure alone cannot see a flipped byte inside a blob: it reads no data chunk.
    assertThat(fresh.check(0).ok()).isTrue();

    assertDamagedPointDoesNotRestore(fresh, pointA);
    fresh.assertRestores(pointB, directory, diskB);
  }

  @Test
  void aFlippedByteInAPackTrailerIsFound() throws Exception {
    flipByte(dataPackA, -10);
    CheckReport report = repo.reopen().check(100);

    assertThat(report.ok()).isFalse();
    assertThat(report.problems())
        .anySatisfy(p -> assertThat(p).contains(dataPackA).contains("trailer"));
  }

  @Test
  void aDeletedPackFailsTheStructuralCheck() throws Exception {
    repo.memory.delete(dataPackA);
    TestRepository fresh = repo.reopen();

    CheckReport report = fresh.check(0);

    assertThat(report.ok()).isFalse();
    assertThat(report.problems())
        .anySatisfy(p -> assertThat(p).contains("Missing pack " + dataPackA));
    assertThat(report.damagedPoints()).containsExactly(pointA.id());
    assertDamagedPointDoesNotRestore(fresh, pointA);
    fresh.assertRestores(pointB, directory, diskB);
  }

  @Test
  void aTruncatedPackFailsTheStructuralCheck() throws Exception {
    truncate(dataPackA, (int) (repo.memory.stat(dataPackA).orElseThrow().size() / 2));
    TestRepository fresh = repo.reopen();

    CheckReport report = fresh.check(0);

    assertThat(report.ok()).isFalse();
    assertThat(report.problems())
        .anySatisfy(p -> assertThat(p).contains("Truncated pack " + dataPackA));
    assertThat(report.damagedPoints()).containsExactly(pointA.id());
    assertDamagedPointDoesNotRestore(fresh, pointA);
    fresh.assertRestores(pointB, directory, diskB);
  }

  @Test
  void aFlippedByteInATreePackDamagesThePointsUsingIt() throws Exception {
    List<String> trees = repo.names("packs/tree/");
    for (String tree : trees) {
      flipByte(tree, 60);
    }
    CheckReport report = repo.reopen().check(0);

    assertThat(report.ok()).isFalse();
    assertThat(report.damagedPoints()).containsExactlyInAnyOrder(pointA.id(), pointB.id());
    assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("block map page"));
  }

  @Test
  void aFlippedByteInAnIndexObjectIsNamed() throws Exception {
    flipByte(indexA, 50);
    TestRepository fresh = repo.reopen();

    CheckReport report = fresh.check(0);

    assertThat(report.ok()).isFalse();
    assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains(indexA));
    // The chunks it listed are now in no index: the point that uses them is damaged.
    assertThat(report.damagedPoints()).containsExactly(pointA.id());
    assertThat(fresh.check(100).problems()).anySatisfy(p -> assertThat(p).contains(indexA));

    DamagedObjectException missing =
        catchThrowableOfType(
            DamagedObjectException.class, () -> fresh.restore(pointA, 0, directory));
    assertThat(missing).hasMessageContaining("not in any index");
    fresh.assertRestores(pointB, directory, diskB);
    byte[] start = new byte[100];
    new DiskReader(fresh.repository, pointB, 0).read(0, start, 0, start.length);
    assertThat(start).isEqualTo(Arrays.copyOf(diskB.content(), 100));
  }

  @Test
  void aFlippedByteInAManifestIsNamed() throws Exception {
    flipByte(pointA.objectName(), 45);
    TestRepository fresh = repo.reopen();

    CheckReport report = fresh.check(0);

    assertThat(report.ok()).isFalse();
    assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains(pointA.objectName()));
    assertThat(report.damagedPoints()).containsExactly(pointA.id());
    assertThat(report.pointsChecked()).isEqualTo(2);
    fresh.assertRestores(fresh.point(pointB.id()), directory, diskB);
  }

  /**
   * A damaged manifest must not stop every later backup. Whose it was cannot be read, so it may
   * have been a VM's newest point, the one its changed extents are relative to: backups then read
   * whole disks, and say why.
   */
  @Test
  void backupsGoOnPastADamagedManifestReadingWholeDisks() throws Exception {
    flipByte(pointA.objectName(), 45);
    TestRepository fresh = repo.reopen();
    diskB.randomBlock(3, 77);
    diskB.resetCounters();

    RestorePoint next = fresh.incremental("vm-b", diskB, new Extent(3L * BLOCK, BLOCK)).point();

    assertThat(diskB.bytesRead()).isEqualTo(diskB.size());
    assertThat(next.statistics().incremental()).isFalse();
    assertThat(next.warnings())
        .anySatisfy(w -> assertThat(w).contains(pointA.objectName()))
        .anySatisfy(w -> assertThat(w).contains("changed extents were ignored"));
    RestorePoint again = fresh.backup("vm-a", diskA).point();
    assertThat(again.warnings()).anySatisfy(w -> assertThat(w).contains(pointA.objectName()));
    TestRepository after = repo.reopen();
    after.assertRestores(next, directory, diskB);
    after.assertRestores(again, directory, diskA);
    assertThat(after.check(100).damagedPoints()).containsExactly(pointA.id());
  }

  @Test
  void corruptionInTransitIsCaughtOnRestore() throws Exception {
    TestRepository fresh = repo.reopen();
    fresh.store.corruptReads(
        dataPackA,
        bytes -> {
          bytes[bytes.length / 2] ^= 0x40;
          return bytes;
        });

    assertDamagedPointDoesNotRestore(fresh, pointA);
    fresh.store.clearFaults();
    fresh.assertRestores(pointA, directory, diskA);
  }

  private void assertDamagedPointDoesNotRestore(TestRepository fresh, RestorePoint point)
      throws IOException {
    DamagedObjectException damage =
        catchThrowableOfType(
            DamagedObjectException.class, () -> fresh.restore(point, 0, directory));
    assertThat(damage).isNotNull();
    assertThat(damage.code()).isEqualTo(ErrorCode.DAMAGED_DATA);
    assertThat(damage.getMessage()).contains(dataPackA.substring(0, 20));
    try (var files = Files.list(directory)) {
      assertThat(files.toList()).as("no file left behind").isEmpty();
    }
  }
}
