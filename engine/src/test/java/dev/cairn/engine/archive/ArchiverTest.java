package dev.cairn.engine.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.check.Checker;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.prune.Pruner;
import dev.cairn.engine.restore.RestoreEngine;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestClock;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.RehydratePriority;
import dev.cairn.storage.memory.MemoryBlobStore;
import dev.cairn.storage.memory.TieredMemoryBlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiverTest {
  @TempDir Path directory;

  private static ArchiveResult archive(ArchiveHistory history, boolean dryRun) throws IOException {
    return new Archiver(history.repository, ProgressListener.NONE)
        .archive(ArchiveHistory.CUTOFF, dryRun);
  }

  /**
   * Exactly the data packs that only old points use move; newer points restore without any
   * rehydration; check needs none either; a second run finds everything done.
   */
  @RepeatedTest(2)
  void archivesExactlyThePacksOnlyOldPointsUse(RepetitionInfo repetition) throws Exception {
    ArchiveHistory history =
        new ArchiveHistory(7 + repetition.getCurrentRepetition(), Duration.ZERO);
    Set<PackId> expected = history.expectedArchived();
    Set<PackId> shared = history.dataPacksOf(history.older());
    shared.retainAll(history.dataPacksOf(history.newer()));
    assertThat(expected).as("packs only old points use").isNotEmpty();
    assertThat(shared).as("packs old and newer points share").isNotEmpty();
    List<String> before = listing(history.store);

    ArchiveResult dry = archive(history, true);
    assertThat(history.offlinePacks()).isEmpty();
    assertThat(listing(history.store)).isEqualTo(before);
    ArchiveResult result = archive(history, false);

    assertThat(history.offlinePacks()).isEqualTo(expected);
    assertThat(result.packsArchived()).isEqualTo(expected.size()).isEqualTo(dry.packsArchived());
    assertThat(result.bytesArchived()).isEqualTo(dry.bytesArchived()).isPositive();
    assertThat(result.olderPoints()).isEqualTo(4);
    assertThat(result.newerPoints()).isEqualTo(4);
    assertThat(result.sharedPacksKeptOnline()).isEqualTo(shared.size());
    // Nothing but the tier changed: no object was written or deleted.
    assertThat(listing(history.store)).isEqualTo(before);

    for (RestorePoint point : history.newer()) {
      Path restored = restore(history.repository, point);
      TestRepository.assertSameContent(restored, history.contents.get(point));
      Files.delete(restored);
    }
    CheckReport structure = new Checker(history.repository, ProgressListener.NONE).check(0);
    assertThat(structure.problems()).isEmpty();
    CheckReport data = new Checker(history.repository, ProgressListener.NONE).check(100);
    assertThat(data.problems()).isEmpty();
    assertThat(data.archivedPacksSkipped()).isEqualTo(expected.size());
    assertThat(data.notices())
        .anySatisfy(n -> assertThat(n).startsWith(expected.size() + " archived data pack(s)"));

    ArchiveResult again = archive(history, false);
    assertThat(again.packsArchived()).isZero();
    assertThat(again.packsAlreadyArchived()).isEqualTo(expected.size());
    assertThat(again.bytesAlreadyArchived()).isEqualTo(result.bytesArchived());
  }

  @Test
  void anInterruptedRunIsFinishedByTheNext() throws Exception {
    ArchiveHistory history = new ArchiveHistory(11, Duration.ZERO);
    Set<PackId> expected = history.expectedArchived();
    assertThat(expected.size()).as("enough packs to interrupt halfway").isGreaterThan(1);
    FailingAfter failing = new FailingAfter(history.store, 1);
    Repository through = Repository.open(failing, TestRepository.PASSWORD, history.clock);

    assertThatThrownBy(
            () ->
                new Archiver(through, ProgressListener.NONE).archive(ArchiveHistory.CUTOFF, false))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("connection reset");
    assertThat(history.offlinePacks()).hasSize(1);
    // The lock of the failed run is released; the next run starts where it stopped.
    ArchiveResult resumed = archive(history, false);

    assertThat(history.offlinePacks()).isEqualTo(expected);
    assertThat(resumed.packsAlreadyArchived()).isEqualTo(1);
    assertThat(resumed.packsArchived()).isEqualTo(expected.size() - 1);
  }

  @Test
  void pruneKeepsArchivedPacksInsteadOfRepackingThem() throws Exception {
    TestClock clock = new TestClock(ArchiveHistory.DAY_0);
    TieredMemoryBlobStore store = new TieredMemoryBlobStore(clock, Duration.ZERO);
    Repository repository = TestRepository.init(store, clock);
    SplittableRandom random = new SplittableRandom(13);
    FakeDisk disk = FakeDisk.random("c.img", 20 * ArchiveHistory.MIB, random.nextLong());
    RestorePoint first = backup(repository, disk);
    for (long block = 0; block < disk.size() / FakeDisk.BLOCK; block += 2) {
      disk.randomBlock(block, random.nextLong()); // half of the first point's chunks stay in use
    }
    clock.advance(Duration.ofDays(10));
    RestorePoint second = backup(repository, disk);
    FakeDisk secondContent = disk.copy("second");
    for (long block = 0; block < disk.size() / FakeDisk.BLOCK; block++) {
      disk.randomBlock(block, random.nextLong());
    }
    clock.advance(Duration.ofDays(110));
    backup(repository, disk);
    new Archiver(repository, ProgressListener.NONE)
        .archive(ArchiveHistory.DAY_0.plus(Duration.ofDays(90)), false);
    Set<PackId> archived = offline(store, repository);
    // Forgetting the first point leaves its archived packs half garbage: online, prune would
    // repack them, reading them.
    store.delete(first.objectName());

    new Pruner(repository, ProgressListener.NONE).prune(0.2, false);

    assertThat(offline(store, repository)).isEqualTo(archived);
    for (PackId pack : archived) {
      store.rehydrate(pack.objectName(), RehydratePriority.HIGH);
    }
    Path restored = restore(repository, second);
    TestRepository.assertSameContent(restored, secondContent);
  }

  private static RestorePoint backup(Repository repository, FakeDisk disk) throws IOException {
    return new BackupEngine(repository, 2, ProgressListener.NONE)
        .backup(TestRepository.request("c", List.of(disk)))
        .point();
  }

  private static Set<PackId> offline(TieredMemoryBlobStore store, Repository repository)
      throws IOException {
    Set<PackId> offline = new java.util.HashSet<>();
    for (PackId pack : repository.storedPacks().keySet()) {
      if (store.state(pack.objectName()) != ArchiveState.ONLINE) {
        offline.add(pack);
      }
    }
    return offline;
  }

  @Test
  void aStoreWithoutAnArchiveTierIsNamed() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-01-05T10:00:00Z"));
    Repository plain = TestRepository.init(new MemoryBlobStore(), clock);

    assertThatThrownBy(
            () -> new Archiver(plain, ProgressListener.NONE).archive(clock.instant(), false))
        .isInstanceOf(CairnException.class)
        .hasMessage(
            "Cannot archive restore points of repository "
                + plain.location()
                + ": its store has no archive tier (Azure Blob Storage and S3 have one; local"
                + " directories do not)")
        .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT));
  }

  @Test
  void restoringAnOldPointWithoutRehydrationFailsNamingTheArchivedPack() throws Exception {
    ArchiveHistory history = new ArchiveHistory(17, Duration.ZERO);
    archive(history, false);

    assertThatThrownBy(() -> restore(history.repository, history.older().get(0)))
        .isInstanceOf(ArchivedObjectException.class)
        .hasMessageContaining("packs/data/")
        .hasMessageEndingWith(": archived, rehydrate first");
  }

  static Path restore(Repository repository, RestorePoint point) throws IOException {
    Path target = Files.createTempFile("archive-restore", ".img");
    Files.delete(target);
    new RestoreEngine(repository, 2, ProgressListener.NONE).restoreDisk(point, 0, target, false);
    return target;
  }

  private static List<String> listing(TieredMemoryBlobStore store) throws IOException {
    List<String> names = new ArrayList<>();
    store.list("", info -> names.add(info.name() + " " + info.size()));
    return names;
  }

  /** Passes everything through, but fails every archive after the first {@code allowed}. */
  static final class FailingAfter implements ArchivingBlobStore {
    private final TieredMemoryBlobStore store;
    private int allowed;

    FailingAfter(TieredMemoryBlobStore store, int allowed) {
      this.store = store;
      this.allowed = allowed;
    }

    @Override
    public synchronized void archive(String name) throws IOException {
      if (allowed-- <= 0) {
        throw new IOException("Cannot archive object " + name + ": connection reset");
      }
      store.archive(name);
    }

    @Override
    public ArchiveState state(String name) throws IOException {
      return store.state(name);
    }

    @Override
    public void rehydrate(String name, RehydratePriority priority) throws IOException {
      store.rehydrate(name, priority);
    }

    @Override
    public void create(String name, byte[] content) throws IOException {
      store.create(name, content);
    }

    @Override
    public byte[] read(String name) throws IOException {
      return store.read(name);
    }

    @Override
    public byte[] readRange(String name, long offset, int length) throws IOException {
      return store.readRange(name, offset, length);
    }

    @Override
    public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
      store.list(prefix, consumer);
    }

    @Override
    public Optional<ObjectInfo> stat(String name) throws IOException {
      return store.stat(name);
    }

    @Override
    public void delete(String name) throws IOException {
      store.delete(name);
    }

    @Override
    public String location() {
      return store.location();
    }
  }
}
