package dev.cairn.engine.backup;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "nothing lost" proof: whichever object a backup was writing when its process died, the
 * repository that a new process opens checks clean, every committed point restores exactly, the
 * interrupted backup left either no point or a complete one, and the next backup succeeds.
 *
 * <p>Each case kills the second backup of a VM after N successful creates, for every N from 0
 * (before it even takes its lock) to the number of creates a backup of that shape makes (after the
 * manifest, while releasing the lock). One worker keeps that number deterministic.
 */
class CrashConsistencyTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;

  /** A backup of a VM that already has a point. */
  private record Scenario(
      FakeDisk first, FakeDisk second, List<Optional<List<Extent>>> secondExtents) {
    RestorePoint backUpFirst(TestRepository repo) throws IOException {
      return repo.backup("vm", first.copy(first.name())).point();
    }

    RestorePoint backUpSecond(TestRepository repo) throws IOException {
      return repo.backup(
              TestRepository.request("vm", List.of(second.copy(second.name())), secondExtents))
          .point();
    }
  }

  /** A full backup of 20 MiB of random data: two data packs, the first uploaded mid-backup. */
  @TestFactory
  Stream<DynamicTest> crashDuringAFullBackup() throws IOException {
    Scenario scenario =
        new Scenario(
            FakeDisk.random("disk0.img", 2 * MIB + 100, 1),
            FakeDisk.random("disk0.img", 20 * MIB, 2),
            List.of(Optional.empty()));
    return casesFor(scenario, 6); // lock, 2 data packs, 1 tree pack, index, manifest
  }

  /** An incremental with a few changed blocks on top of the first point. */
  @TestFactory
  Stream<DynamicTest> crashDuringAnIncrementalBackup() throws IOException {
    FakeDisk first = BackupRoundTripTest.mixedDisk("disk0.img", 5 * MIB + 3, 3);
    FakeDisk second = first.copy("disk0.img").randomBlock(2, 4).randomBlock(70, 5);
    second.write(40L * BLOCK, new byte[BLOCK]); // a block that becomes a hole
    List<Extent> extents =
        List.of(new Extent(2L * BLOCK, BLOCK), new Extent(40L * BLOCK, 31L * BLOCK));
    return casesFor(new Scenario(first, second, List.of(Optional.of(extents))), 5);
  }

  private Stream<DynamicTest> casesFor(Scenario scenario, int expectedCreates) throws IOException {
    TestRepository probe = TestRepository.create(1);
    scenario.backUpFirst(probe);
    long before = probe.store.createCount();
    scenario.backUpSecond(probe);
    int creates = Math.toIntExact(probe.store.createCount() - before);
    assertThat(creates).as("creates of one backup").isEqualTo(expectedCreates);
    return IntStream.rangeClosed(0, creates)
        .mapToObj(
            n ->
                dynamicTest(
                    "crash after " + n + " of " + creates + " creates",
                    () -> crashAfter(scenario, n, creates)));
  }

  private void crashAfter(Scenario scenario, int n, int creates) throws IOException {
    TestRepository repo = TestRepository.create(1);
    RestorePoint first = scenario.backUpFirst(repo);
    repo.store.crashAfterCreates(n);

    IOException crash = catchThrowableOfType(IOException.class, () -> scenario.backUpSecond(repo));

    assertThat(crash).as("the backup sees its process die").isNotNull();
    TestRepository restarted = repo.reopen();
    List<RestorePoint> points = restarted.points();
    if (n < creates) {
      assertThat(points).as("no point without its manifest").containsExactly(first);
    } else {
      // Killed while releasing its lock: the point was committed whole.
      assertThat(points).hasSize(2).first().isEqualTo(first);
      restarted.assertRestores(points.get(1), directory, scenario.second());
    }
    CheckReport report = restarted.check(100);
    assertThat(report.problems()).isEmpty();
    assertThat(report.damagedPoints()).isEmpty();
    restarted.assertRestores(first, directory, scenario.first());

    RestorePoint third = scenario.backUpSecond(restarted);

    TestRepository again = restarted.reopen();
    again.assertRestores(third, directory, scenario.second());
    again.assertRestores(first, directory, scenario.first());
    again.assertSound();
  }
}
