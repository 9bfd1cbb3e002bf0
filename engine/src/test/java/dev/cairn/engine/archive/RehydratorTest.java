package dev.cairn.engine.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.copy.CopyRequest;
import dev.cairn.engine.copy.PointCopier;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.testing.TestClock;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.RehydratePriority;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RehydratorTest {

  private static ArchiveHistory archivedHistory(long seed, Duration rehydrationTime)
      throws IOException {
    ArchiveHistory history = new ArchiveHistory(seed, rehydrationTime);
    new Archiver(history.repository, ProgressListener.NONE).archive(ArchiveHistory.CUTOFF, false);
    return history;
  }

  /** A rehydrator whose sleeps move the history's clock instead of waiting. */
  private static Rehydrator rehydrator(ArchiveHistory history, List<Duration> sleeps) {
    return new Rehydrator(
        history.repository,
        history.clock,
        duration -> {
          sleeps.add(duration);
          history.clock.advance(duration);
        });
  }

  private static Set<String> names(List<PackId> packs) {
    Set<String> names = new HashSet<>();
    packs.forEach(pack -> names.add(pack.objectName()));
    return names;
  }

  @Test
  void rehydratesExactlyThePacksTheRestoredDiskNeedsThenTheRestoreSucceeds() throws Exception {
    ArchiveHistory history = archivedHistory(21, Duration.ofMinutes(40));
    RestorePoint old = history.older().get(0);
    Set<PackId> needed = history.dataPacksOf(List.of(old));
    Set<PackId> archivedBefore = history.offlinePacks();
    Set<PackId> expected = new HashSet<>(needed);
    expected.retainAll(archivedBefore);
    assertThat(expected).isNotEmpty();
    List<Duration> sleeps = new ArrayList<>();
    Rehydrator rehydrator = rehydrator(history, sleeps);

    OfflinePacks offline = rehydrator.offlinePacks(old, List.of(0));

    assertThat(new HashSet<>(offline.archived())).isEqualTo(expected);
    assertThat(offline.rehydrating()).isEmpty();
    assertThat(offline.packsNeeded()).isEqualTo(needed.size());
    assertThat(offline.bytes()).isPositive();
    assertThat(offline.estimate(RehydratePriority.HIGH))
        .startsWith(expected.size() + " of the " + needed.size() + " data pack(s)")
        .endsWith("rehydrating them at high priority typically takes under 1 hour.");

    List<String> messages = new ArrayList<>();
    rehydrator.rehydrate(offline, RehydratePriority.HIGH, Duration.ofHours(2), messages::add);

    assertThat(history.store.rehydrationRequests())
        .containsExactlyInAnyOrderElementsOf(names(offline.archived()));
    assertThat(messages.getFirst())
        .startsWith("Asked for " + expected.size() + " archived pack(s) at high priority");
    assertThat(messages.getLast())
        .startsWith("All " + expected.size() + " pack(s) are online after");
    // Polls back off: each pause at least as long as the one before.
    for (int i = 1; i < sleeps.size(); i++) {
      assertThat(sleeps.get(i)).isGreaterThanOrEqualTo(sleeps.get(i - 1));
    }
    assertThat(rehydrator.offlinePacks(old, List.of(0)).isEmpty()).isTrue();
    Path restored = ArchiverTest.restore(history.repository, old);
    TestRepository.assertSameContent(restored, history.contents.get(old));
    Files.delete(restored);
    // Archived packs this disk does not read stay archived.
    Set<PackId> untouched = new HashSet<>(archivedBefore);
    untouched.removeAll(expected);
    assertThat(history.offlinePacks()).isEqualTo(untouched);
  }

  @Test
  void aRestoreThatTimesOutResumesWithoutAskingAgain() throws Exception {
    ArchiveHistory history = archivedHistory(23, Duration.ofHours(10));
    RestorePoint old = history.older().get(0);
    List<Duration> sleeps = new ArrayList<>();
    Rehydrator rehydrator = rehydrator(history, sleeps);
    OfflinePacks first = rehydrator.offlinePacks(old, List.of(0));

    assertThatThrownBy(
            () ->
                rehydrator.rehydrate(
                    first, RehydratePriority.STANDARD, Duration.ofHours(1), message -> {}))
        .isInstanceOf(CairnException.class)
        .hasMessageStartingWith(
            "Cannot bring the data of restore point "
                + old.id()
                + " online: "
                + first.count()
                + " of "
                + first.count()
                + " archived data pack(s) are still being rehydrated after")
        .hasMessageEndingWith(
            "; run the same command again to keep waiting (packs already asked for are not asked"
                + " again)")
        .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.DATA_ARCHIVED));

    // Run again, as after an interruption: the packs are found rehydrating and not asked again.
    OfflinePacks second = rehydrator.offlinePacks(old, List.of(0));
    assertThat(second.archived()).isEmpty();
    assertThat(new HashSet<>(second.rehydrating())).isEqualTo(new HashSet<>(first.archived()));
    assertThat(second.estimate(RehydratePriority.STANDARD))
        .contains(first.count() + " already being rehydrated")
        .endsWith("typically takes up to 15 hours.");
    rehydrator.rehydrate(second, RehydratePriority.STANDARD, Duration.ofHours(24), message -> {});

    assertThat(history.store.rehydrationRequests())
        .containsExactlyInAnyOrderElementsOf(names(first.archived()));
    assertThat(sleeps).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMinutes(5)));
    Path restored = ArchiverTest.restore(history.repository, old);
    TestRepository.assertSameContent(restored, history.contents.get(old));
    Files.delete(restored);
  }

  @Test
  void newerPointsNeedNothingAndStoresWithoutATierHaveNothingOffline() throws Exception {
    ArchiveHistory history = archivedHistory(29, Duration.ofHours(1));
    Rehydrator rehydrator = rehydrator(history, new ArrayList<>());
    for (RestorePoint point : history.newer()) {
      assertThat(rehydrator.offlinePacks(point, List.of(0)).isEmpty()).isTrue();
    }

    TestRepository plain = TestRepository.create();
    assertThat(plain.memory).isInstanceOf(MemoryBlobStore.class);
    RestorePoint point =
        plain.backup("vm", dev.cairn.engine.testing.FakeDisk.random("d", 1 << 20, 1)).point();
    OfflinePacks none =
        new Rehydrator(plain.repository, plain.clock, d -> {}).offlinePacks(point, List.of(0));
    assertThat(none.isEmpty()).isTrue();
  }

  @Test
  void theFailureWithoutRehydrationNamesThePointThePacksAndTheRemedy() throws Exception {
    ArchiveHistory history = archivedHistory(31, Duration.ZERO);
    RestorePoint old = history.older().get(0);
    OfflinePacks offline =
        new Rehydrator(history.repository, history.clock, d -> {}).offlinePacks(old, List.of(0));

    CairnException failure =
        Rehydrator.archivedFailure(
            "restore", offline, "run again with --rehydrate standard or --rehydrate high");

    assertThat(failure.code()).isEqualTo(ErrorCode.DATA_ARCHIVED);
    assertThat(failure.getMessage())
        .matches(
            "Cannot restore restore point "
                + old.id()
                + ": "
                + offline.count()
                + " of the data packs it needs are archived \\([0-9.]+ MiB\\); run again with"
                + " --rehydrate standard or --rehydrate high");
  }

  @Test
  void copyingAnArchivedPointFailsNamingItsOfflinePacksAndTheRemedy() throws Exception {
    ArchiveHistory history = archivedHistory(37, Duration.ZERO);
    RestorePoint old = history.older().get(0);
    OfflinePacks offline =
        new Rehydrator(history.repository, history.clock, d -> {}).offlinePacks(old, List.of(0));
    Repository target =
        TestRepository.init(new MemoryBlobStore(), new TestClock(ArchiveHistory.DAY_0));

    assertThatThrownBy(
            () ->
                new PointCopier(history.repository, target, 2, ProgressListener.NONE)
                    .copy(new CopyRequest(List.of(), List.of(old.id()), false, false), point -> {}))
        .isInstanceOf(CairnException.class)
        .hasMessageStartingWith(
            "Cannot copy restore point "
                + old.id()
                + ": "
                + offline.count()
                + " of the data packs it needs are archived")
        .hasMessageEndingWith(
            "bring them online first with cairn rehydrate --point "
                + old.id()
                + " --priority standard|high, then copy again (points already copied are kept)")
        .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.DATA_ARCHIVED));
    assertThat(target.points().all()).isEmpty();
  }

  @Test
  void aDamagedIndexObjectDoesNotStopThePlanningOfARestore() throws Exception {
    ArchiveHistory history = archivedHistory(41, Duration.ZERO);
    RestorePoint old = history.older().get(0);
    // A damaged index object besides the sound ones: the repository's own index refuses to load.
    history.store.create("index/" + "ab".repeat(32), new byte[] {1, 2, 3});
    Repository reopened = Repository.open(history.store, TestRepository.PASSWORD, history.clock);

    OfflinePacks offline =
        new Rehydrator(reopened, history.clock, d -> {}).offlinePacks(old, List.of(0));

    assertThatThrownBy(reopened::index).isInstanceOf(DamagedObjectException.class);
    Set<PackId> expected = history.dataPacksOf(List.of(old));
    expected.retainAll(history.offlinePacks());
    assertThat(new HashSet<>(offline.archived())).isEqualTo(expected).isNotEmpty();
  }
}
