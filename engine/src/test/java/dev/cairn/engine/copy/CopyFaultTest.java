package dev.cairn.engine.copy;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * "Nothing lost" for copies: whichever object of the target a copy was writing when its process
 * died or its store failed, the target that a new process opens checks clean, holds only whole
 * points that restore exactly, and a re-run completes the copy; the source is never changed.
 *
 * <p>Each case kills the copy of a full and an incremental point after N successful creates in the
 * target, for every N from 0 (before it takes the target's lock) to the number of creates the copy
 * makes. One worker keeps that number deterministic.
 */
class CopyFaultTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;

  /** A source with a full (18 MiB: a data pack is uploaded mid-copy) and an incremental. */
  private record Source(
      TestRepository repo, FakeDisk first, FakeDisk second, RestorePoint full, RestorePoint next) {
    static Source create() throws IOException {
      TestRepository repo = TestRepository.create(1);
      FakeDisk first = FakeDisk.random("disk0.img", 18 * MIB + 5, 1);
      first.write(3L * BLOCK, new byte[2 * BLOCK]);
      FakeDisk second = first.copy("disk0.img").randomBlock(1, 2).randomBlock(200, 3);
      RestorePoint full = repo.backup("vm", first.copy("disk0.img")).point();
      RestorePoint next =
          repo.incremental(
                  "vm",
                  second.copy("disk0.img"),
                  new Extent(BLOCK, BLOCK),
                  new Extent(200L * BLOCK, BLOCK))
              .point();
      return new Source(repo, first, second, full, next);
    }

    FakeDisk contentOf(RestorePoint point) {
      return point.id().equals(full.id()) ? first : second;
    }
  }

  private static CopyResult copy(TestRepository from, TestRepository to) throws IOException {
    return new PointCopier(from.repository, to.repository, 1, ProgressListener.NONE)
        .copy(CopyRequest.newPoints(), point -> {});
  }

  @TestFactory
  Stream<DynamicTest> aCopyKilledAtAnyCreateInTheTargetLeavesItSoundAndResumes()
      throws IOException {
    Source source = Source.create();
    TestRepository probe = TestRepository.create(1);
    long before = probe.store.createCount();
    copy(source.repo(), probe);
    int creates = Math.toIntExact(probe.store.createCount() - before);
    // lock; per point: data pack(s), tree pack, index, manifest
    assertThat(creates).as("creates of the copy").isGreaterThanOrEqualTo(9);
    List<String> sourceListing = source.repo().listing();
    return IntStream.rangeClosed(0, creates)
        .mapToObj(
            n ->
                dynamicTest(
                    "crash after " + n + " of " + creates + " creates",
                    () -> crashAfter(source, sourceListing, n)));
  }

  private void crashAfter(Source source, List<String> sourceListing, int n) throws IOException {
    TestRepository target = TestRepository.create(1);
    target.store.crashAfterCreates(n);

    Throwable crash = catchThrowable(() -> copy(source.repo(), target));

    // Even after its last create the copy still deletes its lock objects, and sees the crash.
    assertThat(crash).as("the copy sees its process die").isInstanceOf(IOException.class);
    TestRepository restarted = target.reopen();
    assertWholePointsOnly(restarted, source);
    CheckReport report = restarted.check(100);
    assertThat(report.problems()).isEmpty();
    assertThat(report.damagedPoints()).isEmpty();

    CopyResult resumed = copy(source.repo().reopen(), restarted);

    assertThat(resumed.copied().size() + resumed.skipped().size()).isEqualTo(2);
    TestRepository again = restarted.reopen();
    assertThat(again.points())
        .extracting(RestorePoint::id)
        .containsExactly(source.full().id(), source.next().id());
    assertWholePointsOnly(again, source);
    again.assertSound();
    assertThat(source.repo().listing()).as("the source is only read").isEqualTo(sourceListing);
  }

  private void assertWholePointsOnly(TestRepository target, Source source) throws IOException {
    for (RestorePoint point : target.points()) {
      target.assertRestores(point, directory, source.contentOf(point));
    }
  }

  @ParameterizedTest(name = "creates under {0} fail")
  @ValueSource(strings = {"packs/data/", "packs/tree/", "index/", "points/"})
  void aFullTargetStoreFailsTheCopyWithoutAPartialPoint(String prefix) throws IOException {
    Source source = Source.create();
    TestRepository target = TestRepository.create(1);
    target.store.failCreates(prefix, 0, () -> new IOException("No space left on device"));

    IOException failure =
        catchThrowableOfType(IOException.class, () -> copy(source.repo(), target));

    assertThat(failure).hasMessageContaining("No space left on device");
    assertThat(target.points()).isEmpty();
    target.assertSound();
    target.store.clearFaults();
    assertThat(copy(source.repo(), target).copied()).hasSize(2);
    assertWholePointsOnly(target.reopen(), source);
  }

  @Test
  void damagedSourceDataFailsTheCopyNamingThePackAndCommitsNothing() throws IOException {
    Source source = Source.create();
    TestRepository target = TestRepository.create(1);
    source
        .repo()
        .store
        .corruptReads(
            "packs/data/",
            bytes -> {
              bytes[0] ^= 1;
              return bytes;
            });

    DamagedObjectException failure =
        catchThrowableOfType(DamagedObjectException.class, () -> copy(source.repo(), target));

    assertThat(failure.getMessage()).containsPattern("packs/data/[0-9a-f]{2}/[0-9a-f]{64}");
    assertThat(target.points()).isEmpty();
    target.assertSound();
  }

  @Test
  void theSourceIsLockedSharedAndTheTargetLikeABackup() throws IOException {
    Source source = Source.create();
    TestRepository target = TestRepository.create(1);
    Map<String, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
    target.store.failCreates(
        "points/",
        0,
        () -> {
          try {
            source
                .repo()
                .repository
                .locks()
                .list()
                .forEach(lock -> seen.put("source", lock.kind() + " " + lock.operation()));
            target
                .repository
                .locks()
                .list()
                .forEach(lock -> seen.put("target", lock.kind() + " " + lock.operation()));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return new IOException("stop here");
        });

    catchThrowable(() -> copy(source.repo(), target));

    assertThat(seen)
        .containsEntry("source", "SHARED copy (source)")
        .containsEntry("target", "SHARED copy");
    assertThat(source.repo().repository.locks().list()).as("released").isEmpty();
    assertThat(target.repository.locks().list()).as("released").isEmpty();
  }
}
