package dev.cairn.engine.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.engine.source.DiskSource;
import dev.cairn.engine.source.FileDiskSource;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A backup that fails, whether the store or the disk fails, commits no restore point and leaves a
 * repository that checks clean; once the fault is gone the same backup succeeds, and every earlier
 * point still restores.
 */
class BackupFaultTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path directory;

  private TestRepository repo;
  private FakeDisk original;
  private RestorePoint first;
  private FakeDisk next;

  @BeforeEach
  void commitOnePoint() throws IOException {
    repo = TestRepository.create();
    original = FakeDisk.random("disk0.img", 3 * MIB + 17, 1);
    first = repo.backup("vm", original).point();
    next = BackupRoundTripTest.mixedDisk("disk0.img", 3 * MIB + 17, 2);
  }

  private static IOException diskFull() {
    return new IOException("No space left on device");
  }

  @ParameterizedTest(name = "after {0} successful pack uploads")
  @ValueSource(ints = {0, 1})
  void packUploadFailureNamesThePackAndTheCause(int successfulUploads) throws Exception {
    repo.store.failCreates("packs/", successfulUploads, BackupFaultTest::diskFull);

    IOException failure = catchThrowableOfType(IOException.class, () -> repo.backup("vm", next));

    assertThat(failure).hasMessageContaining("No space left on device");
    assertThat(failure.getMessage()).containsPattern("packs/(data|tree)/[0-9a-f]{2}/[0-9a-f]{64}");
    assertConsistentAndRecovers(next);
  }

  @Test
  void packUploadFailureWhileTheBackupIsStillReading() throws Exception {
    // 20 MiB of random data fills a 16 MiB pack, which is uploaded while blocks are still read.
    FakeDisk large = FakeDisk.random("disk0.img", 20 * MIB, 3);
    repo.store.failCreates("packs/data/", 0, BackupFaultTest::diskFull);

    IOException failure = catchThrowableOfType(IOException.class, () -> repo.backup("vm", large));

    assertThat(failure).hasMessageContaining("No space left on device");
    assertThat(failure.getMessage()).containsPattern("packs/data/[0-9a-f]{2}/[0-9a-f]{64}");
    assertConsistentAndRecovers(large);
  }

  @Test
  void indexWriteFailureNamesTheIndexAndTheCause() throws Exception {
    repo.store.failCreates("index/", 0, BackupFaultTest::diskFull);

    IOException failure = catchThrowableOfType(IOException.class, () -> repo.backup("vm", next));

    assertThat(failure).hasMessageContaining("No space left on device");
    assertThat(failure.getMessage()).containsPattern("index/[0-9a-f]{64}");
    assertConsistentAndRecovers(next);
  }

  @Test
  void manifestWriteFailureNamesTheManifestAndTheCause() throws Exception {
    repo.store.failCreates("points/", 0, BackupFaultTest::diskFull);

    IOException failure = catchThrowableOfType(IOException.class, () -> repo.backup("vm", next));

    assertThat(failure).hasMessageContaining("No space left on device");
    assertThat(failure.getMessage()).containsPattern("points/[0-9a-f]{32}");
    assertConsistentAndRecovers(next);
  }

  @Test
  void sourceReadFailureNamesTheDiskAndOffset() throws Exception {
    // Read in batches of 4 MiB: the first batch is stored, the second fails, the third may run.
    FakeDisk content = BackupRoundTripTest.mixedDisk("disk0.img", 10 * MIB + 5, 6);
    FakeDisk failing = content.copy("disk0.img");
    failing.setHook(
        (disk, position, length) -> {
          if (position == 4 * MIB) {
            throw new IOException(
                "Cannot read disk /dev/vg0/vm-disk0 at offset "
                    + position
                    + ": Input/output error");
          }
        });

    IOException failure = catchThrowableOfType(IOException.class, () -> repo.backup("vm", failing));

    assertThat(failure)
        .hasMessageContaining("/dev/vg0/vm-disk0")
        .hasMessageContaining("at offset " + 4 * MIB + ": Input/output error");
    assertThat(failing.blocksRead()).contains(0L);
    assertConsistentAndRecovers(content);
  }

  /**
   * The caller closes its disks once backup returns, so a failed backup may return only when none
   * of its workers still reads a disk or stores a chunk. Here the first batch fails while the
   * second is inside a read that does not respond to interrupts (as a blocking network read).
   */
  @Test
  void aFailedBackupReturnsOnlyOnceNoWorkerUsesTheDisk() throws Exception {
    FakeDisk content = BackupRoundTripTest.mixedDisk("disk0.img", 8 * MIB, 7);
    FakeDisk failing = content.copy("disk0.img");
    CountDownLatch firstFailed = new CountDownLatch(1);
    failing.setHook(
        (disk, position, length) -> {
          if (position == 0) {
            firstFailed.countDown();
            throw new IOException("Cannot read disk " + disk.description() + " at offset 0: EIO");
          }
          boolean interrupted = false;
          long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
          try {
            firstFailed.await();
            while (System.nanoTime() < until) {
              try {
                Thread.sleep(Duration.ofNanos(Math.max(1, until - System.nanoTime())));
              } catch (InterruptedException e) {
                interrupted = true; // this read finishes anyway
              }
            }
          } catch (InterruptedException e) {
            interrupted = true;
          } finally {
            if (interrupted) {
              Thread.currentThread().interrupt();
            }
          }
        });

    IOException failure = catchThrowableOfType(IOException.class, () -> repo.backup("vm", failing));
    failing.close();

    assertThat(failure).hasMessageContaining("at offset 0: EIO");
    Thread.sleep(500); // time for a straggling read to end, if the backup left one running
    assertThat(failing.readsEndedAfterClose()).isZero();
    assertConsistentAndRecovers(content);
  }

  @Test
  void diskThatShrankDuringTheBackupFails() throws Exception {
    FakeDisk shrinking = FakeDisk.random("disk0.img", 2 * MIB, 4); // read in one batch
    shrinking.setHook((disk, position, length) -> disk.shrinkTo(MIB));

    CairnException failure =
        catchThrowableOfType(CairnException.class, () -> repo.backup("vm", shrinking));

    assertThat(failure.code()).isEqualTo(ErrorCode.SOURCE_FAILED);
    assertThat(failure)
        .hasMessageContaining("shrank")
        .hasMessageContaining(shrinking.description())
        .hasMessageContaining(String.valueOf(2 * MIB))
        .hasMessageContaining(String.valueOf(MIB));
    shrinking.setHook(null);
    assertConsistentAndRecovers(next);
  }

  @Test
  void diskThatGrewDuringTheBackupIsSavedAtItsFirstSizeWithAWarning() throws Exception {
    FakeDisk growing = FakeDisk.random("disk0.img", 2 * MIB, 8);
    growing.setHook((disk, position, length) -> disk.shrinkTo(3 * MIB)); // resized upwards

    RestorePoint point = repo.backup("vm", growing).point();

    assertThat(point.disks().getFirst().sizeBytes()).isEqualTo(2 * MIB);
    assertThat(point.warnings())
        .singleElement()
        .asString()
        .contains("grew from " + 2 * MIB + " to " + 3 * MIB);
    growing.setHook(null);
    repo.reopen().assertRestores(point, directory, growing);
  }

  @Test
  void imageFileTruncatedWhileBeingReadFails() throws Exception {
    Path image = directory.resolve("disk0.img");
    Files.write(image, FakeDisk.random("content", 6 * MIB, 5).content());

    CairnException failure;
    try (FileDiskSource file = FileDiskSource.open(image);
        DiskSource truncating = new TruncatingSource(file, image, MIB)) {
      failure = catchThrowableOfType(CairnException.class, () -> repo.backup("vm", truncating));
    }

    assertThat(failure.code()).isEqualTo(ErrorCode.SOURCE_FAILED);
    assertThat(failure).hasMessageContaining(image.toString());
    assertThat(failure.getMessage()).containsAnyOf("ends", "shrank");
    assertConsistentAndRecovers(next);
  }

  /**
   * The failed backup committed nothing and the repository checks clean, from this process and from
   * a new one; without the fault, the same backup through the same repository object succeeds, and
   * the new point and the earlier one restore from a new process.
   */
  private void assertConsistentAndRecovers(FakeDisk content) throws IOException {
    assertThat(repo.names("points/")).containsExactly(first.objectName());
    assertThat(repo.check(100).problems()).isEmpty();
    assertThat(repo.reopen().check(100).problems()).isEmpty();

    repo.store.clearFaults();
    RestorePoint retried = repo.backup("vm", content.copy("disk0.img")).point();

    TestRepository fresh = repo.reopen();
    fresh.assertSound();
    fresh.assertRestores(retried, directory, content);
    fresh.assertRestores(first, directory, original);
  }

  /** Truncates its image file the first time it is read, as a disk shrinking under the backup. */
  private record TruncatingSource(DiskSource delegate, Path image, long newSize, AtomicBoolean done)
      implements DiskSource {
    TruncatingSource(DiskSource delegate, Path image, long newSize) {
      this(delegate, image, newSize, new AtomicBoolean());
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public String description() {
      return delegate.description();
    }

    @Override
    public long size() {
      return delegate.size();
    }

    @Override
    public void read(long position, byte[] target, int offset, int length) throws IOException {
      if (done.compareAndSet(false, true)) {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
          channel.truncate(newSize);
        }
      }
      delegate.read(position, target, offset, length);
    }

    @Override
    public long currentSize() throws IOException {
      return delegate.currentSize();
    }

    @Override
    public void close() {}
  }
}
