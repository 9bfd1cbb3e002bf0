package dev.cairn.engine.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.retention.Forgetter;
import dev.cairn.engine.retention.RetentionDecision;
import dev.cairn.engine.retention.RetentionPolicy;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestClock;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.Repository;
import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An immutable repository on the memory store, whose retention follows the test's clock: what is
 * written retained, what forget refuses, and what prune deletes as time passes.
 */
class ImmutablePruneTest {
  private static final long MIB = 1024 * 1024;
  private static final int DAYS = 30;
  private static final int MARGIN = 7;

  @TempDir Path directory;

  private static PruneResult prune(TestRepository repo) throws IOException {
    return new Pruner(repo.repository, ProgressListener.NONE).prune(0.2, false);
  }

  @Test
  void everyObjectButLocksIsWrittenRetainedForTheDaysPlusTheMargin() throws IOException {
    TestRepository repo = TestRepository.createImmutable(DAYS, MARGIN);
    repo.backup("vm", FakeDisk.random("a.img", 2 * MIB, 1));
    Instant written = repo.clock.instant();

    List<String> names = repo.names("");
    assertThat(names)
        .anyMatch(n -> n.startsWith("packs/"))
        .anyMatch(n -> n.startsWith("index/"))
        .anyMatch(n -> n.startsWith("points/"))
        .anyMatch(n -> n.startsWith("keys/"))
        .contains("config");
    for (String name : names) {
      Optional<Retention> retention = repo.memory.retention(name);
      assertThat(retention).as(name).isPresent();
      assertThat(retention.get().mode()).isEqualTo(RetentionMode.COMPLIANCE);
      assertThat(retention.get().retainUntil())
          .as(name)
          .isAfterOrEqualTo(Instant.parse("2026-01-05T10:00:00Z").plus(Duration.ofDays(37)))
          .isBeforeOrEqualTo(written.plus(Duration.ofDays(DAYS + MARGIN)));
    }
    try (RepositoryLock lock = repo.repository.lock(LockKind.SHARED, "test")) {
      List<String> locks = repo.names("locks/");
      assertThat(locks).hasSize(1);
      assertThat(repo.memory.retention(locks.getFirst())).isEmpty();
    }
    assertThat(repo.names("locks/")).isEmpty();
  }

  @Test
  void aPointIsNotForgottenWhileItsManifestIsRetained() throws IOException {
    TestRepository repo = TestRepository.createImmutable(DAYS, MARGIN);
    RestorePoint first = repo.backup("vm", FakeDisk.random("a.img", MIB, 2)).point();
    repo.backup("vm", FakeDisk.random("a.img", MIB, 3));
    Instant until = repo.memory.retention(first.objectName()).orElseThrow().retainUntil();

    assertThatThrownBy(() -> new Forgetter(repo.repository).forgetPoints(List.of(first.id())))
        .isInstanceOf(CairnException.class)
        .hasMessage(
            "Cannot forget restore point "
                + first.id()
                + ": the repository is immutable and retains it until "
                + until
                + "; forget it after that");
    List<RetentionDecision> decisions =
        new Forgetter(repo.repository)
            .forget(new RetentionPolicy(1, 0, 0, 0, 0, 0), null, ZoneOffset.UTC, false);
    assertThat(decisions).allMatch(RetentionDecision::keep);
    assertThat(decisions)
        .filteredOn(d -> d.point().id().equals(first.id()))
        .singleElement()
        .extracting(RetentionDecision::reasons)
        .isEqualTo(List.of("retained until " + until));
    assertThat(repo.points()).hasSize(2);

    repo.clock.advance(Duration.ofDays(DAYS + MARGIN));
    assertThat(
            new Forgetter(repo.repository)
                .forget(new RetentionPolicy(1, 0, 0, 0, 0, 0), null, ZoneOffset.UTC, false))
        .filteredOn(d -> !d.keep())
        .extracting(d -> d.point().id())
        .containsExactly(first.id());
  }

  @Test
  void pruneDeletesExactlyTheUnreferencedPacksWhoseRetentionHasEnded() throws Exception {
    TestRepository repo = TestRepository.createImmutable(DAYS, MARGIN);
    FakeDisk old = FakeDisk.random("old.img", 3 * MIB, 4);
    FakeDisk kept = FakeDisk.random("kept.img", 3 * MIB, 5);
    RestorePoint oldPoint = repo.backup("old", old).point();
    Set<String> oldPacks = new HashSet<>(packs(repo));
    RestorePoint keptPoint = repo.backup("kept", kept).point();
    Set<String> keptPacks = new HashSet<>(packs(repo));
    keptPacks.removeAll(oldPacks);
    assertThat(oldPacks).isNotEmpty();
    assertThat(keptPacks).isNotEmpty();

    // Day 2: maintenance extends every live pack to day 2 + 37.
    repo.clock.advance(Duration.ofDays(2));
    PruneResult maintained = prune(repo);
    assertThat(maintained.retentionsExtended())
        .isEqualTo(oldPacks.size() + keptPacks.size() + 2); // + config + key slot
    Instant extendedUntil = repo.clock.instant().plus(Duration.ofDays(DAYS + MARGIN));
    for (String pack : oldPacks) {
      assertThat(repo.memory.retention(pack).orElseThrow().retainUntil())
          .isEqualTo(new Retention(RetentionMode.COMPLIANCE, extendedUntil).retainUntil());
    }

    // Day 38: the old point's manifest has expired and is forgotten; its packs are retained a day
    // longer, so prune leaves them and says until when.
    repo.clock.advance(Duration.ofDays(36));
    new Forgetter(repo.repository).forgetPoints(List.of(oldPoint.id()));
    PruneResult waiting = prune(repo);
    assertThat(waiting.packsDeleted()).isZero();
    assertThat(waiting.unindexedPacksDeleted()).isZero();
    assertThat(waiting.packsRetained()).isEqualTo(oldPacks.size());
    assertThat(waiting.retainedUntil())
        .isEqualTo(new Retention(RetentionMode.COMPLIANCE, extendedUntil).retainUntil());
    assertThat(packs(repo)).containsAll(oldPacks);
    assertThatThrownBy(() -> repo.memory.delete(oldPacks.iterator().next()))
        .isInstanceOf(ObjectLockedException.class);

    // Day 40: their retention has ended; prune deletes exactly them.
    repo.clock.advance(Duration.ofDays(2));
    PruneResult freed = prune(repo);
    assertThat(freed.packsRetained()).isZero();
    assertThat(freed.packsDeleted() + freed.unindexedPacksDeleted()).isEqualTo(oldPacks.size());
    assertThat(packs(repo)).containsExactlyInAnyOrderElementsOf(keptPacks);
    repo.assertRestores(keptPoint, directory, kept);
    repo.assertSound();
  }

  @Test
  void aDryRunReportsRetainedPacksAndExtendsNothing() throws IOException {
    TestRepository repo = TestRepository.createImmutable(DAYS, MARGIN);
    RestorePoint point = repo.backup("vm", FakeDisk.random("a.img", MIB, 6)).point();
    repo.clock.advance(Duration.ofDays(DAYS + MARGIN));
    new Forgetter(repo.repository).forgetPoints(List.of(point.id()));
    Instant before = repo.memory.retention("config").orElseThrow().retainUntil();

    PruneResult result = new Pruner(repo.repository, ProgressListener.NONE).prune(0.2, true);

    assertThat(result.retentionsExtended()).isZero();
    assertThat(repo.memory.retention("config").orElseThrow().retainUntil()).isEqualTo(before);
  }

  @Test
  void aStoreWhoseClockIsBehindRefusesDeletesAndPruneLeavesThoseObjectsForLater()
      throws IOException {
    TestClock storeClock = new TestClock(Instant.parse("2026-01-05T10:00:00Z"));
    MemoryBlobStore memory = new MemoryBlobStore(storeClock);
    Clock ahead = Clock.offset(storeClock, Duration.ofDays(2));
    Repository repository =
        Repository.init(
            memory,
            TestRepository.PASSWORD,
            new Repository.InitOptions(KdfParameters.of(64, 1), "test")
                .immutable(new Immutability(DAYS, MARGIN, RetentionMode.COMPLIANCE)),
            ahead);
    FakeDisk disk = FakeDisk.random("a.img", 2 * MIB, 7);
    RestorePoint point =
        new BackupEngine(repository, 2, ProgressListener.NONE)
            .backup(TestRepository.request("vm", List.of(disk)))
            .point();
    List<String> packs = new ArrayList<>();
    memory.list("packs/", info -> packs.add(info.name()));

    // Maintenance on day 2 (store's clock) retains the packs until day 4 + 37 = 41.
    storeClock.advance(Duration.ofDays(2));
    new Pruner(repository, ProgressListener.NONE).prune(0.2, false);
    // Day 40: the manifest (until day 39) goes; by our clock (day 42) the packs and the index have
    // expired too, by the store's one day remains.
    storeClock.advance(Duration.ofDays(38));
    new Forgetter(repository).forgetPoints(List.of(point.id()));
    new Pruner(repository, ProgressListener.NONE).prune(0.2, false);

    List<String> left = new ArrayList<>();
    memory.list("packs/", info -> left.add(info.name()));
    assertThat(left).containsExactlyInAnyOrderElementsOf(packs);
    assertThat(repository.indexNames()).isNotEmpty();

    storeClock.advance(Duration.ofDays(2));
    new Pruner(repository, ProgressListener.NONE).prune(0.2, false);
    List<String> gone = new ArrayList<>();
    memory.list("packs/", info -> gone.add(info.name()));
    assertThat(gone).isEmpty();
  }

  @Test
  void checkNotesAConfigAndKeySlotRetainedLessThanTheNewestPointUntilPruneExtendsThem()
      throws IOException {
    TestRepository repo = TestRepository.createImmutable(DAYS, MARGIN);
    repo.backup("vm", FakeDisk.random("a.img", MIB, 8));
    repo.clock.advance(Duration.ofDays(10));
    repo.backup("vm", FakeDisk.random("a.img", MIB, 9));

    List<String> notices = repo.check(0).notices();
    assertThat(notices)
        .filteredOn(n -> n.startsWith("Retention: "))
        .hasSize(2)
        .anySatisfy(n -> assertThat(n).startsWith("Retention: config is retained only until "))
        .anySatisfy(
            n -> assertThat(n).startsWith("Retention: keys/").endsWith("run prune to extend it"));

    prune(repo);

    assertThat(repo.check(0).notices()).noneMatch(n -> n.startsWith("Retention: "));
  }

  private static List<String> packs(TestRepository repo) throws IOException {
    return repo.names("").stream().filter(name -> name.startsWith("packs/")).toList();
  }
}
