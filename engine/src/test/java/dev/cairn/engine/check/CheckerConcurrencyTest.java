package dev.cairn.engine.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.HookedBlobStore;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import org.junit.jupiter.api.Test;

/**
 * Check takes a shared lock, so backups and forgets may run while it does (the lock table of the
 * repository format). What they do meanwhile must not be reported as damage, nor stop the check.
 */
class CheckerConcurrencyTest {
  @Test
  void aBackupCommittedWhileCheckRunsIsNotReportedAsDamaged() throws Exception {
    TestRepository repo = TestRepository.create();
    repo.backup("vm-a", FakeDisk.random("a.img", 1 << 20, 1));
    HookedBlobStore hooked = new HookedBlobStore(repo.memory);
    Repository checking = Repository.open(hooked, TestRepository.PASSWORD, repo.clock);
    // Once check has loaded the index, another process commits a whole backup.
    hooked.before(
        "packs/",
        () -> {
          RestorePoint committed =
              repo.backup("vm-b", FakeDisk.random("b.img", 1 << 20, 2)).point();
          assertThat(committed).isNotNull();
        });

    CheckReport report = new Checker(checking, ProgressListener.NONE).check(100);

    assertThat(repo.points()).hasSize(2);
    assertThat(report.problems()).isEmpty();
    assertThat(report.damagedPoints()).isEmpty();
  }

  @Test
  void aPointForgottenWhileCheckRunsIsSkipped() throws Exception {
    TestRepository repo = TestRepository.create();
    RestorePoint first = repo.backup("vm", FakeDisk.random("a.img", 1 << 20, 3)).point();
    RestorePoint second = repo.backup("vm", FakeDisk.random("a.img", 1 << 20, 4)).point();
    HookedBlobStore hooked = new HookedBlobStore(repo.memory);
    Repository checking = Repository.open(hooked, TestRepository.PASSWORD, repo.clock);
    // Check lists the points (a list under "points/"); as it reads the first, a forget deletes
    // both manifests.
    hooked.before(
        "points/",
        () ->
            hooked.before(
                "points/",
                () -> {
                  repo.repository.points().delete(first);
                  repo.repository.points().delete(second);
                }));

    CheckReport report = new Checker(checking, ProgressListener.NONE).check(0);

    assertThat(repo.points()).isEmpty();
    assertThat(report.problems()).isEmpty();
    assertThat(report.damagedPoints()).isEmpty();
    assertThat(report.pointsChecked()).isZero();
  }
}
