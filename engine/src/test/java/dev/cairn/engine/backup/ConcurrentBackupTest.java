package dev.cairn.engine.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.check.Checker;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.prune.Pruner;
import dev.cairn.engine.restore.RestoreEngine;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestClock;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.local.LocalBlobStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes back up different VMs into one repository directory at the same time: both take
 * shared locks, both commit, neither damages the other, even where they store the same chunks.
 */
class ConcurrentBackupTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path repositoryDirectory;
  @TempDir Path restoreDirectory;

  @RepeatedTest(2)
  void twoBackupsAtOnceBothCommitAndRestore() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-03-01T00:00:00Z"));
    TestRepository.init(LocalBlobStore.open(repositoryDirectory), clock).close();
    // Both disks share a quarter of their blocks, so both backups store some chunks twice.
    FakeDisk shared = FakeDisk.random("shared", 2 * MIB, 1);
    FakeDisk first = FakeDisk.random("web.img", 8 * MIB, 2).write(0, shared.content());
    FakeDisk second = FakeDisk.random("db.img", 8 * MIB + 3, 3).write(0, shared.content());
    CyclicBarrier start = new CyclicBarrier(2);
    first.setHook((disk, position, length) -> awaitOnce(start, position));
    second.setHook((disk, position, length) -> awaitOnce(start, position));

    RestorePoint web;
    RestorePoint db;
    try (ExecutorService processes = Executors.newFixedThreadPool(2)) {
      Future<RestorePoint> webBackup = processes.submit(() -> backUp(clock, "web-01", first));
      Future<RestorePoint> dbBackup = processes.submit(() -> backUp(clock, "db-01", second));
      web = webBackup.get();
      db = dbBackup.get();
    }

    try (Repository repository =
        Repository.open(LocalBlobStore.open(repositoryDirectory), TestRepository.PASSWORD, clock)) {
      assertThat(repository.points().all()).containsExactlyInAnyOrder(web, db);
      assertThat(repository.locks().list()).isEmpty();
      CheckReport report = new Checker(repository, ProgressListener.NONE).check(100);
      assertThat(report.problems()).isEmpty();
      assertThat(report.pointsChecked()).isEqualTo(2);
      assertRestores(repository, web, first);
      assertRestores(repository, db, second);

      // The chunks stored twice are garbage for prune, which must keep one copy of each.
      new Pruner(repository, ProgressListener.NONE).prune(0.0, false);
      assertThat(new Checker(repository, ProgressListener.NONE).check(100).problems()).isEmpty();
      assertRestores(repository, web, first);
      assertRestores(repository, db, second);
    }
  }

  private static void awaitOnce(CyclicBarrier barrier, long position) {
    if (position == 0) {
      try {
        // Both backups are reading before either writes a pack.
        barrier.await(1, TimeUnit.MINUTES);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** One process: opens the repository with its own store and index, backs up, closes. */
  private RestorePoint backUp(TestClock clock, String vm, FakeDisk disk) throws Exception {
    try (Repository repository =
        Repository.open(LocalBlobStore.open(repositoryDirectory), TestRepository.PASSWORD, clock)) {
      return new BackupEngine(repository, 2, ProgressListener.NONE)
          .backup(TestRepository.request(vm, List.of(disk)))
          .point();
    }
  }

  private void assertRestores(Repository repository, RestorePoint point, FakeDisk expected)
      throws Exception {
    Path target = restoreDirectory.resolve(point.id() + ".img");
    new RestoreEngine(repository, 2, ProgressListener.NONE).restoreDisk(point, 0, target, true);
    TestRepository.assertSameContent(target, expected);
  }
}
