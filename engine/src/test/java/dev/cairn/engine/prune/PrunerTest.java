package dev.cairn.engine.prune;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.retention.Forgetter;
import dev.cairn.engine.retention.RetentionPolicy;
import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.testing.DyingBlobStore;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrunerTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;

  private static PruneResult prune(TestRepository repo, double maximumUnused, boolean dryRun)
      throws IOException {
    return new Pruner(repo.repository, ProgressListener.NONE).prune(maximumUnused, dryRun);
  }

  /**
   * Random histories of full and incremental backups of several VMs sharing content, then a random
   * set of points forgotten: after prune every remaining point restores exactly and check passes,
   * and a second prune finds nothing more to do.
   */
  @RepeatedTest(3)
  void neverRemovesWhatARemainingPointReferences(RepetitionInfo repetition) throws Exception {
    SplittableRandom random = new SplittableRandom(4242 + repetition.getCurrentRepetition());
    TestRepository repo = TestRepository.create();
    FakeDisk template = FakeDisk.random("template", 2 * MIB, random.nextLong());
    Map<String, FakeDisk> disks = new HashMap<>();
    Map<String, FakeDisk> contentOf = new HashMap<>();
    for (String vm : List.of("a", "b", "c")) {
      disks.put(vm, template.copy(vm + ".img"));
    }
    for (int step = 0; step < 9; step++) {
      String vm = List.of("a", "b", "c").get(random.nextInt(3));
      FakeDisk disk = disks.get(vm);
      List<Extent> changed = new ArrayList<>();
      for (int i = random.nextInt(1, 8); i > 0; i--) {
        long block = random.nextLong(disk.size() / BLOCK);
        if (random.nextInt(4) == 0) {
          disk.write(block * BLOCK, new byte[BLOCK]);
        } else {
          disk.randomBlock(block, random.nextLong());
        }
        changed.add(new Extent(block * BLOCK, BLOCK));
      }
      RestorePoint point =
          random.nextBoolean()
              ? repo.incremental(vm, disk, changed.toArray(Extent[]::new)).point()
              : repo.backup(vm, disk).point();
      contentOf.put(point.id(), disk.copy("at-" + point.id()));
    }
    List<RestorePoint> all = repo.points();
    List<RestorePoint> kept = new ArrayList<>();
    for (RestorePoint point : all) {
      if (random.nextInt(3) == 0) {
        repo.repository.points().delete(point);
      } else {
        kept.add(point);
      }
    }
    long packBytes = repo.bytesUnder("packs/");

    PruneResult result = prune(repo, random.nextDouble(0.05, 0.6), false);

    assertThat(result.livePoints()).isEqualTo(kept.size());
    assertThat(repo.bytesUnder("packs/")).isLessThanOrEqualTo(packBytes);
    TestRepository fresh = repo.reopen();
    fresh.assertSound();
    assertThat(fresh.points()).containsExactlyElementsOf(kept);
    for (RestorePoint point : kept) {
      fresh.assertRestores(point, directory, contentOf.get(point.id()));
    }
    PruneResult again = prune(fresh, 0.5, false);
    assertThat(again.packsDeleted()).isZero();
    assertThat(again.packsRepacked()).isZero();
    assertThat(again.unindexedPacksDeleted()).isZero();
  }

  @Test
  void forgettingEveryPointButTheNewestFreesTheRest() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk.img", 2 * MIB, 1);
    for (int i = 0; i < 3; i++) {
      disk.randomBlock(i, 100 + i);
      repo.backup("vm", disk);
    }
    FakeDisk other = FakeDisk.random("other.img", MIB, 2);
    RestorePoint otherPoint = repo.backup("other", other).point();
    new Forgetter(repo.repository)
        .forget(new RetentionPolicy(1, 0, 0, 0, 0, 0), "vm", ZoneOffset.UTC, false);
    RestorePoint newest =
        repo.points().stream().filter(p -> p.vm().name().equals("vm")).findFirst().orElseThrow();

    PruneResult result = prune(repo, 0.2, false);

    assertThat(result.livePoints()).isEqualTo(2);
    assertThat(result.bytesFreed()).isPositive();
    TestRepository fresh = repo.reopen();
    fresh.assertSound();
    fresh.assertRestores(newest, directory, disk);
    fresh.assertRestores(otherPoint, directory, other);
  }

  @Test
  void aMostlyDeadPackIsRepackedAndPacksShrink() throws Exception {
    TestRepository repo = TestRepository.create(1); // one data pack per backup
    FakeDisk disk = FakeDisk.random("disk.img", 4 * MIB, 3); // 64 blocks
    RestorePoint old = repo.backup("vm", disk).point();
    List<String> oldPack = repo.names("packs/data/");
    for (long block = 0; block < 48; block++) {
      disk.randomBlock(block, 1000 + block);
    }
    RestorePoint current = repo.incremental("vm", disk, new Extent(0, 48L * BLOCK)).point();
    List<String> dataPacksBefore = repo.names("packs/data/");
    assertThat(dataPacksBefore).hasSize(2);
    long dataBytesBefore = repo.bytesUnder("packs/data/");
    repo.repository.points().delete(old);

    // The first pack is 3/4 dead: above a 1/2 threshold it is repacked.
    PruneResult result = prune(repo, 0.5, false);

    assertThat(result.packsRepacked()).isEqualTo(1);
    assertThat(result.bytesRepacked()).isBetween(16L * BLOCK, 16L * BLOCK + 16 * 1024);
    long dataBytesAfter = repo.bytesUnder("packs/data/");
    assertThat(dataBytesBefore - dataBytesAfter).isBetween(48L * BLOCK, 48L * BLOCK + 16 * 1024);
    assertThat(repo.names("packs/data/")).hasSize(2).doesNotContainAnyElementsOf(oldPack);
    TestRepository fresh = repo.reopen();
    fresh.assertSound();
    fresh.assertRestores(current, directory, disk);
  }

  @Test
  void aPackBelowTheThresholdIsKeptAsItIs() throws Exception {
    TestRepository repo = TestRepository.create(1);
    FakeDisk disk = FakeDisk.random("disk.img", 4 * MIB, 4);
    RestorePoint old = repo.backup("vm", disk).point();
    for (long block = 0; block < 16; block++) {
      disk.randomBlock(block, 2000 + block);
    }
    RestorePoint current = repo.incremental("vm", disk, new Extent(0, 16L * BLOCK)).point();
    List<String> dataPacks = repo.names("packs/data/");
    repo.repository.points().delete(old);

    // A quarter dead is under a one-half threshold.
    PruneResult result = prune(repo, 0.5, false);

    assertThat(result.packsRepacked()).isZero();
    assertThat(repo.names("packs/data/")).containsExactlyInAnyOrderElementsOf(dataPacks);
    TestRepository fresh = repo.reopen();
    fresh.assertSound();
    fresh.assertRestores(current, directory, disk);
  }

  @Test
  void unindexedPacksOfACrashedBackupAreDeleted() throws Exception {
    TestRepository repo = TestRepository.create(1);
    FakeDisk first = FakeDisk.random("disk.img", 2 * MIB, 5);
    RestorePoint point = repo.backup("vm", first).point();
    List<String> packs = repo.names("packs/");
    repo.store.crashAfterCreates(2); // its lock and one pack
    catchThrowableOfType(
        IOException.class, () -> repo.backup("vm", FakeDisk.random("disk.img", 2 * MIB, 6)));
    assertThat(repo.names("packs/")).hasSize(packs.size() + 1);
    TestRepository restarted = repo.reopen();
    assertThat(restarted.check(0).notices()).anySatisfy(n -> assertThat(n).contains("1 pack(s)"));
    // The dead backup's lock is left behind; after 30 minutes without a refresh it is stale.
    restarted.clock.advance(Duration.ofMinutes(31));

    PruneResult result = prune(restarted, 0.5, false);

    assertThat(result.unindexedPacksDeleted()).isEqualTo(1);
    assertThat(repo.names("packs/")).containsExactlyInAnyOrderElementsOf(packs);
    TestRepository fresh = restarted.reopen();
    assertThat(fresh.check(100).notices()).isEmpty();
    fresh.assertSound();
    fresh.assertRestores(point, directory, first);
  }

  @Test
  void aDryRunChangesNothingAndPredictsTheRealRun() throws Exception {
    TestRepository repo = TestRepository.create(1);
    FakeDisk disk = FakeDisk.random("disk.img", 4 * MIB, 7);
    RestorePoint old = repo.backup("vm", disk).point();
    for (long block = 0; block < 40; block++) {
      disk.randomBlock(block, 3000 + block);
    }
    repo.incremental("vm", disk, new Extent(0, 40L * BLOCK));
    repo.repository.points().delete(old);
    List<String> before = repo.listing();

    PruneResult dry = prune(repo, 0.5, true);

    assertThat(dry.dryRun()).isTrue();
    assertThat(dry.packsRepacked() + dry.packsDeleted()).isPositive();
    assertThat(repo.listing()).isEqualTo(before);
    PruneResult real = prune(repo, 0.5, false);
    assertThat(real.dryRun()).isFalse();
    assertThat(real).usingRecursiveComparison().ignoringFields("dryRun").isEqualTo(dry);
    assertThat(repo.listing()).isNotEqualTo(before);
  }

  @Test
  void refusesToRunWhileABackupHoldsItsLock() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("disk.img", MIB, 8);
    RestorePoint old = repo.backup("vm", disk).point();
    repo.backup("vm", disk.randomBlock(0, 9));
    repo.repository.points().delete(old);
    List<String> before;
    try (RepositoryLock lock = repo.repository.lock(LockKind.SHARED, "backup")) {
      before = repo.listing();

      CairnException refused =
          catchThrowableOfType(CairnException.class, () -> prune(repo, 0.0, false));

      assertThat(refused.code()).isEqualTo(ErrorCode.LOCKED);
      assertThat(refused).hasMessageContaining("'backup'");
      assertThat(repo.listing()).isEqualTo(before);
    }
    assertThat(prune(repo, 0.0, false).packsDeleted()).isPositive();
    repo.reopen().assertSound();
  }

  /** A damaged manifest or index object stops prune before it deletes or writes anything. */
  @Test
  void damageStopsPruneBeforeItChangesAnything() throws Exception {
    for (String damaged : List.of("points/", "index/")) {
      TestRepository repo = TestRepository.create();
      FakeDisk disk = FakeDisk.random("disk.img", MIB, 13);
      RestorePoint old = repo.backup("vm", disk).point();
      repo.backup("vm", disk.randomBlock(3, 14));
      repo.backup("other", FakeDisk.random("other.img", MIB, 15));
      repo.repository.points().delete(old);
      String victim = repo.names(damaged).getFirst();
      byte[] bytes = repo.memory.read(victim);
      bytes[bytes.length / 2] ^= 0x10;
      repo.memory.replaceForTesting(victim, bytes);
      List<String> before = repo.listing();

      DamagedObjectException stopped =
          catchThrowableOfType(
              DamagedObjectException.class, () -> prune(repo.reopen(), 0.0, false));

      assertThat(stopped).as(damaged).isNotNull().hasMessageContaining(victim);
      assertThat(repo.listing()).as(damaged).isEqualTo(before);
    }
  }

  /**
   * A chunk that a remaining point references but no index lists (its index object was lost) is
   * still in its pack, from where a repair can index it again; prune must not delete that pack as
   * an unindexed leftover.
   */
  @Test
  void refusesToDeleteAPackWhoseChunksALivePointUsesButNoIndexLists() throws Exception {
    TestRepository repo = TestRepository.create(1);
    FakeDisk disk = FakeDisk.random("disk.img", 2 * MIB, 16);
    List<String> indexes = repo.names("index/");
    RestorePoint point = repo.backup("vm", disk).point();
    List<String> added = new ArrayList<>(repo.names("index/"));
    added.removeAll(indexes);
    repo.backup("other", FakeDisk.random("other.img", MIB, 17));
    // Keep the block map readable: move the tree pack's entries to an index of their own, then
    // lose the index object that listed the data pack.
    String lost = added.getFirst();
    Repository repository = repo.repository;
    IndexFile file = repository.readIndexFile(lost);
    repository.writeIndexFile(
        new IndexFile(
            file.packs().stream().filter(pack -> pack.pack().kind() == PackKind.TREE).toList()));
    repo.memory.delete(lost);
    List<String> packs = repo.names("packs/");
    TestRepository fresh = repo.reopen();
    assertThat(fresh.check(0).damagedPoints()).containsExactly(point.id());

    DamagedObjectException stopped =
        catchThrowableOfType(DamagedObjectException.class, () -> prune(fresh, 0.5, false));

    assertThat(stopped).isNotNull().hasMessageContaining("in no index");
    assertThat(repo.names("packs/")).containsExactlyInAnyOrderElementsOf(packs);
  }

  /**
   * Prune marks a block-map page's subtree once, the first time it meets the page. A data chunk
   * whose bytes equal a page's encoding has the page's id (ids are a keyed hash of content,
   * whatever the type), so meeting that chunk first must not count as having marked the page's
   * subtree.
   */
  @Test
  void aDataChunkWithAPagesIdDoesNotHideThePagesSubtree() throws Exception {
    TestRepository repo = TestRepository.create();
    Repository repository = repo.repository;
    FakeDisk disk = FakeDisk.random("disk.img", 20L * BLOCK, 10); // one leaf, the root
    ChunkId[] slots = new ChunkId[BlockMapPage.FANOUT];
    byte[] block = new byte[BLOCK];
    for (int i = 0; i < 20; i++) {
      disk.readInto((long) i * BLOCK, block, 0, BLOCK);
      slots[i] = repository.hasher().hash(block, 0, BLOCK);
    }
    byte[] leaf = BlockMapPage.encode(0, slots);
    // An older point of another VM holds a disk whose content is exactly that page.
    FakeDisk lookalike = FakeDisk.of("lookalike.img", leaf);
    repo.backup("other", lookalike);
    RestorePoint point = repo.backup("vm", disk).point();
    assertThat(point.disks().getFirst().mapRoot())
        .isEqualTo(repository.hasher().hash(leaf, 0, leaf.length).toHex());

    prune(repo, 0.5, false);

    TestRepository fresh = repo.reopen();
    fresh.assertSound();
    fresh.assertRestores(point, directory, disk);
  }

  /**
   * Prune killed after any number of its creates and deletes leaves every remaining point
   * restorable and the repository sound; a prune run after it finishes the job.
   */
  @Test
  void aPruneKilledAtAnyStepLosesNothing() throws Exception {
    int changes = Integer.MAX_VALUE;
    for (int n = 0; n <= changes; n++) {
      TestRepository repo = TestRepository.create(1);
      FakeDisk disk = FakeDisk.random("disk.img", 3 * MIB, 11);
      RestorePoint old = repo.backup("vm", disk).point();
      for (long block = 0; block < 30; block++) {
        disk.randomBlock(block, 4000 + block);
      }
      RestorePoint current = repo.incremental("vm", disk, new Extent(0, 30L * BLOCK)).point();
      FakeDisk other = FakeDisk.random("other.img", MIB, 12);
      RestorePoint otherPoint = repo.backup("other", other).point();
      repo.repository.points().delete(old);
      DyingBlobStore dying = new DyingBlobStore(repo.memory, n);
      Repository doomed = Repository.open(dying, TestRepository.PASSWORD, repo.clock);

      IOException crash =
          catchThrowableOfType(
              IOException.class, () -> new Pruner(doomed, ProgressListener.NONE).prune(0.3, false));

      if (crash == null) {
        changes = dying.changes(); // the whole prune: the last case
        assertThat(n).isGreaterThanOrEqualTo(changes);
      } else {
        assertThat(dying.dead()).as("failed only by the crash: %s", crash).isTrue();
      }
      TestRepository restarted = repo.reopen();
      restarted.clock.advance(Duration.ofMinutes(31)); // the dead prune's lock goes stale
      restarted.assertSound();
      restarted.assertRestores(current, directory, disk);
      restarted.assertRestores(otherPoint, directory, other);
      prune(restarted, 0.3, false);
      TestRepository finished = restarted.reopen();
      finished.assertSound();
      finished.assertRestores(current, directory, disk);
    }
    assertThat(changes).isBetween(5, 40);
  }
}
