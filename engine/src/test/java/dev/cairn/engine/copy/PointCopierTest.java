package dev.cairn.engine.copy;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies between two repositories with different keys: what arrives restores byte for byte and
 * checks clean, manifests keep everything but their map roots, the source is only read, and a copy
 * sends only what the target lacks.
 */
class PointCopierTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;

  private TestRepository source;
  private TestRepository target;
  private FakeDisk first;
  private FakeDisk second;
  private RestorePoint full;
  private RestorePoint incremental;

  @BeforeEach
  void backUpAFullAndAnIncremental() throws IOException {
    source = TestRepository.create();
    target = TestRepository.create();
    first = disk("disk0.img", 3 * MIB + 17, 1);
    second = first.copy("disk0.img").randomBlock(2, 20).randomBlock(30, 21);
    second.write(10L * BLOCK, new byte[BLOCK]); // a block that becomes a hole
    full = source.backup("vm", first.copy("disk0.img")).point();
    incremental =
        source
            .incremental(
                "vm",
                second.copy("disk0.img"),
                new Extent(2L * BLOCK, BLOCK),
                new Extent(10L * BLOCK, BLOCK),
                new Extent(30L * BLOCK, BLOCK))
            .point();
  }

  /** Random blocks with holes and repeated blocks between them, of seeded layout. */
  static FakeDisk disk(String name, long size, long seed) {
    FakeDisk disk = FakeDisk.zeros(name, size);
    SplittableRandom random = new SplittableRandom(seed);
    long blocks = (size + BLOCK - 1) / BLOCK;
    for (long block = 0; block < blocks; block++) {
      switch (random.nextInt(4)) {
        case 0 -> {} // hole
        case 1 -> disk.randomBlock(block, 7); // the same content as other such blocks
        default -> disk.randomBlock(block, random.nextLong());
      }
    }
    return disk;
  }

  static CopyResult copy(TestRepository from, TestRepository to, CopyRequest request)
      throws IOException {
    return copy(from, to, request, new ArrayList<>());
  }

  static CopyResult copy(
      TestRepository from, TestRepository to, CopyRequest request, List<String> committed)
      throws IOException {
    return new PointCopier(from.repository, to.repository, 2, ProgressListener.NONE)
        .copy(request, point -> committed.add(point.id()));
  }

  @Test
  void aFullAndAnIncrementalArriveWholeUnderTheTargetsKeys() throws IOException {
    List<String> sourceBefore = source.listing();
    List<String> committed = new ArrayList<>();

    CopyResult result = copy(source, target, CopyRequest.newPoints(), committed);

    assertThat(result.copied()).containsExactly(full.id(), incremental.id());
    assertThat(committed).isEqualTo(result.copied());
    assertThat(result.skipped()).isEmpty();
    assertThat(result.chunksNew()).isPositive();
    assertThat(result.bytesWritten()).isEqualTo(target.bytesUnder("packs/") - packHeaders());
    assertThat(source.listing()).as("the source is only read").isEqualTo(sourceBefore);
    List<RestorePoint> copies = target.points();
    assertThat(copies).hasSize(2);
    assertSameExceptMapRoots(copies.get(0), full);
    assertSameExceptMapRoots(copies.get(1), incremental);
    assertThat(copies.get(0).disks().get(0).mapRoot())
        .as("chunk ids depend on each repository's key")
        .isNotEqualTo(full.disks().get(0).mapRoot());
    target.assertRestores(copies.get(0), directory, first);
    target.assertRestores(copies.get(1), directory, second);
    target.assertSound();
    target.reopen().assertRestores(target.point(incremental.id()), directory, second);
  }

  /** Packs hold a header and a trailer besides the blobs that bytesWritten counts. */
  private long packHeaders() throws IOException {
    long[] overhead = new long[1];
    for (String name : target.names("packs/")) {
      byte[] pack = target.memory.read(name);
      int trailer = java.nio.ByteBuffer.wrap(pack, pack.length - 4, 4).getInt();
      overhead[0] += 37 + trailer + 4;
    }
    return overhead[0];
  }

  private static void assertSameExceptMapRoots(RestorePoint copy, RestorePoint original) {
    List<DiskImage> disks =
        copy.disks().stream()
            .map(
                disk ->
                    new DiskImage(
                        disk.name(),
                        disk.source(),
                        disk.sizeBytes(),
                        disk.blockSize(),
                        null,
                        disk.changeTracking()))
            .toList();
    List<DiskImage> originalDisks =
        original.disks().stream()
            .map(
                disk ->
                    new DiskImage(
                        disk.name(),
                        disk.source(),
                        disk.sizeBytes(),
                        disk.blockSize(),
                        null,
                        disk.changeTracking()))
            .toList();
    assertThat(copy).usingRecursiveComparison().ignoringFields("disks").isEqualTo(original);
    assertThat(disks).isEqualTo(originalDisks);
  }

  @Test
  void whatTheTargetAlreadyHoldsIsNotSentAgain() throws IOException {
    target.backup("other-vm", first.copy("disk0.img"));
    long packBytes = target.bytesUnder("packs/");

    CopyResult result =
        copy(source, target, new CopyRequest(List.of(), List.of(full.id()), false, false));

    assertThat(result.copied()).containsExactly(full.id());
    assertThat(result.chunksNew()).as("data and pages are all there").isZero();
    assertThat(result.bytesWritten()).isZero();
    assertThat(result.chunksExisting()).isPositive();
    assertThat(target.bytesUnder("packs/")).isEqualTo(packBytes);
    target.assertRestores(target.point(full.id()), directory, first);
    target.assertSound();
  }

  @Test
  void runningTheSameCopyAgainSkipsEveryPoint() throws IOException {
    copy(source, target, CopyRequest.newPoints());
    List<String> targetBefore = target.listing();

    CopyResult again = copy(source, target, CopyRequest.newPoints());

    assertThat(again.copied()).isEmpty();
    assertThat(again.skipped()).containsExactly(full.id(), incremental.id());
    assertThat(again.bytesRead()).isZero();
    assertThat(target.listing()).isEqualTo(targetBefore);
  }

  @Test
  void anIncrementalCopiedAfterItsParentReadsOnlyTheChangedBlocks() throws IOException {
    // Three leaves of 64 MiB each: one unchanged, one with changed blocks, one with a new block.
    FakeDisk large = FakeDisk.zeros("big.img", 130 * MIB);
    for (long block = 0; block < 130 * MIB / BLOCK; block += 37) {
      large.randomBlock(block, block);
    }
    TestRepository from = TestRepository.create();
    RestorePoint base = from.backup("big", large.copy("big.img")).point();
    copy(from, target, CopyRequest.newPoints());
    FakeDisk changed = large.copy("big.img").randomBlock(5, 100).randomBlock(37, 101);
    changed.randomBlock(2050, 102);
    RestorePoint next =
        from.incremental(
                "big",
                changed.copy("big.img"),
                new Extent(5L * BLOCK, BLOCK),
                new Extent(37L * BLOCK, BLOCK),
                new Extent(2050L * BLOCK, BLOCK))
            .point();

    CopyResult result = copy(from, target, CopyRequest.newPoints());

    assertThat(result.copied()).containsExactly(next.id());
    assertThat(result.bytesRead()).as("only the three changed blocks").isEqualTo(3L * BLOCK);
    assertThat(result.leavesReused()).as("the middle leaf").isEqualTo(1);
    assertThat(result.chunksReused()).isPositive();
    target.assertRestores(target.point(next.id()), directory, changed);
    target.assertRestores(target.point(base.id()), directory, large);
    target.assertSound();
  }

  @Test
  void anIncrementalCanBeCopiedWithoutItsParent() throws IOException {
    CopyResult result =
        copy(
            source,
            target,
            new CopyRequest(List.of(), List.of(incremental.id().substring(0, 6)), false, false));

    assertThat(result.copied()).containsExactly(incremental.id());
    assertThat(target.points()).extracting(RestorePoint::parent).containsExactly(full.id());
    target.assertRestores(target.point(incremental.id()), directory, second);
    target.assertSound();
  }

  @Test
  void onlyTheNamedVmsAreCopied() throws IOException {
    FakeDisk other = disk("other.img", MIB, 5);
    RestorePoint otherPoint = source.backup("other-vm", other).point();

    CopyResult result =
        copy(source, target, new CopyRequest(List.of("other-vm"), List.of(), false, false));

    assertThat(result.copied()).containsExactly(otherPoint.id());
    assertThat(target.points()).extracting(RestorePoint::id).containsExactly(otherPoint.id());
  }

  @Test
  void aPointTheTargetForgotIsCopiedBackOnlyWhenBackfilling() throws IOException {
    copy(source, target, CopyRequest.newPoints());
    target.repository.points().delete(target.point(full.id()));

    CopyResult result = copy(source, target, CopyRequest.newPoints());

    assertThat(result.copied()).isEmpty();
    assertThat(result.older()).containsExactly(full.id());
    assertThat(result.skipped()).containsExactly(incremental.id());

    CopyResult backfill = copy(source, target, new CopyRequest(List.of(), List.of(), true, false));

    assertThat(backfill.copied()).containsExactly(full.id());
    target.assertRestores(target.point(full.id()), directory, first);
  }

  @Test
  void verifyingDataReadsEveryChunkBackFromTheTarget() throws IOException {
    CopyResult result = copy(source, target, new CopyRequest(List.of(), List.of(), false, true));

    long dataBlocks = 0;
    for (RestorePoint point : List.of(full, incremental)) {
      dataBlocks += point.statistics().totalBlocks() - zeroBlocks(point == full ? first : second);
    }
    assertThat(result.chunksVerified()).isEqualTo(dataBlocks);
  }

  private static long zeroBlocks(FakeDisk disk) {
    long zeros = 0;
    byte[] block = new byte[BLOCK];
    for (long at = 0; at < disk.size(); at += BLOCK) {
      int length = (int) Math.min(BLOCK, disk.size() - at);
      disk.readInto(at, block, 0, length);
      if (java.util.Arrays.equals(block, 0, length, new byte[length], 0, length)) {
        zeros++;
      }
    }
    return zeros;
  }

  @Test
  void dataDamagedInTheTargetStopsTheCommitOnlyWhenVerifyingData() throws IOException {
    target.store.corruptReads(
        "packs/data/",
        bytes -> {
          bytes[bytes.length / 2] ^= 1;
          return bytes;
        });

    CairnException failure =
        catchThrowableOfType(
            CairnException.class,
            () -> copy(source, target, new CopyRequest(List.of(), List.of(), false, true)));

    assertThat(failure.code()).isEqualTo(ErrorCode.DAMAGED_DATA);
    assertThat(failure)
        .hasMessageStartingWith("Cannot commit the copy of restore point " + full.id())
        .hasMessageContaining("packs/data/");
    assertThat(target.points()).isEmpty();

    assertThat(copy(source, target, CopyRequest.newPoints()).copied()).hasSize(2);
  }

  @Test
  void aMissingPackInTheTargetStopsTheCommitOfAPointThatBuildsOnIt() throws IOException {
    copy(source, target, new CopyRequest(List.of(), List.of(full.id()), false, false));
    for (String pack : target.names("packs/data/")) {
      target.memory.delete(pack);
    }

    CairnException failure =
        catchThrowableOfType(
            CairnException.class, () -> copy(source, target, CopyRequest.newPoints()));

    assertThat(failure.code()).isEqualTo(ErrorCode.DAMAGED_DATA);
    assertThat(failure)
        .hasMessageContaining(incremental.id())
        .hasMessageContaining("is missing")
        .hasMessageContaining("nothing was committed");
    assertThat(target.points()).extracting(RestorePoint::id).containsExactly(full.id());
  }

  @Test
  void aRepositoryCannotBeCopiedIntoItself() throws IOException {
    CairnException failure =
        catchThrowableOfType(
            CairnException.class, () -> copy(source, source.reopen(), CopyRequest.newPoints()));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(failure).hasMessageContaining("same repository");
  }

  @Test
  void anUnknownPointIsNamed() throws IOException {
    CairnException failure =
        catchThrowableOfType(
            CairnException.class,
            () ->
                copy(source, target, new CopyRequest(List.of(), List.of("abcdef"), false, false)));

    assertThat(failure).hasMessageContaining("abcdef").hasMessageContaining("no such point");
  }
}
