package dev.cairn.engine.archive;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.restore.PointPages;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestClock;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapReader;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.memory.TieredMemoryBlobStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A repository in a tiered memory store with two VMs backed up on days 0, 30, 100 and 140 (each
 * backup rewrites part of the disks with new content), the clock at day 150, and an oracle that
 * says which packs the archive tier must move, computed with plain sets of full chunk ids.
 */
final class ArchiveHistory {
  static final long MIB = 1024 * 1024;
  static final Instant DAY_0 = Instant.parse("2026-01-05T10:00:00Z");

  /** 90 days before "now" (day 150): the points of days 0 and 30 are old. */
  static final Instant CUTOFF = DAY_0.plus(Duration.ofDays(90));

  final TestClock clock = new TestClock(DAY_0);
  final TieredMemoryBlobStore store;
  final Repository repository;

  /** Each point and the disk contents it holds. */
  final Map<RestorePoint, FakeDisk> contents = new LinkedHashMap<>();

  ArchiveHistory(long seed, Duration rehydrationTime) throws IOException {
    store = new TieredMemoryBlobStore(clock, rehydrationTime);
    repository = TestRepository.init(store, clock);
    SplittableRandom random = new SplittableRandom(seed);
    FakeDisk a = FakeDisk.random("a.img", 40 * MIB, random.nextLong());
    FakeDisk b = FakeDisk.random("b.img", 20 * MIB, random.nextLong());
    long[] days = {0, 30, 100, 140};
    for (int step = 0; step < days.length; step++) {
      clock.advance(Duration.between(clock.instant(), DAY_0.plus(Duration.ofDays(days[step]))));
      if (step > 0) {
        // A large rewrite at the start of each disk, so that some packs hold only old content,
        // plus scattered blocks, so that other packs are shared between old and new points.
        rewrite(a, 0, (step == 1 ? 36 : 12) * MIB, random);
        rewrite(b, random.nextLong(4) * MIB, 8 * MIB, random);
        for (int i = 0; i < 5; i++) {
          a.randomBlock(random.nextLong(a.size() / FakeDisk.BLOCK), random.nextLong());
        }
      }
      backup("a", a);
      backup("b", b);
    }
    clock.advance(Duration.between(clock.instant(), DAY_0.plus(Duration.ofDays(150))));
  }

  private void backup(String vm, FakeDisk disk) throws IOException {
    RestorePoint point =
        new BackupEngine(repository, 2, ProgressListener.NONE)
            .backup(TestRepository.request(vm, List.of(disk)))
            .point();
    contents.put(point, disk.copy(vm + "-" + point.shortId()));
  }

  private static void rewrite(FakeDisk disk, long offset, long length, SplittableRandom random) {
    for (long at = offset; at < offset + length; at += FakeDisk.BLOCK) {
      disk.randomBlock(at / FakeDisk.BLOCK, random.nextLong());
    }
  }

  List<RestorePoint> older() {
    return contents.keySet().stream().filter(p -> p.time().isBefore(CUTOFF)).toList();
  }

  List<RestorePoint> newer() {
    return contents.keySet().stream().filter(p -> !p.time().isBefore(CUTOFF)).toList();
  }

  /** The data packs holding the chunks of {@code points}, by full chunk id. */
  Set<PackId> dataPacksOf(List<RestorePoint> points) throws IOException {
    Map<ChunkId, PackId> packOf = new HashMap<>();
    repository
        .index()
        .forEach(
            (pack, entry) -> {
              if (pack.kind() == PackKind.DATA) {
                packOf.put(entry.id(), pack);
              }
            });
    Set<PackId> packs = new HashSet<>();
    for (RestorePoint point : points) {
      for (DiskImage disk : point.disks()) {
        BlockMapReader map =
            new BlockMapReader(
                new PointPages(repository.reader()),
                disk.mapRoot() == null ? null : ChunkId.fromHex(disk.mapRoot()),
                disk.blockCount());
        for (long leaf = 0; leaf < map.leafCount(); leaf++) {
          if (map.leafId(leaf) == null) {
            continue;
          }
          for (ChunkId id : map.leaf(leaf)) {
            if (id != null) {
              packs.add(packOf.get(id));
            }
          }
        }
      }
    }
    return packs;
  }

  /** What the archive tier must move: packs old points use and no newer point does. */
  Set<PackId> expectedArchived() throws IOException {
    Set<PackId> expected = dataPacksOf(older());
    expected.removeAll(dataPacksOf(newer()));
    return expected;
  }

  /** Every data pack the store holds in the archive tier (or on its way back). */
  Set<PackId> offlinePacks() throws IOException {
    Set<PackId> offline = new HashSet<>();
    for (PackId pack : repository.storedPacks().keySet()) {
      if (store.state(pack.objectName()) != ArchiveState.ONLINE) {
        offline.add(pack);
      }
    }
    return offline;
  }
}
