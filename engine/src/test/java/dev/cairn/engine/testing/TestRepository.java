package dev.cairn.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.backup.BackupRequest;
import dev.cairn.engine.backup.BackupResult;
import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.check.Checker;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.restore.RestoreEngine;
import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.repository.Repository;
import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.memory.MemoryBlobStore;
import dev.cairn.storage.testing.FaultInjectingBlobStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A repository in memory behind a {@link FaultInjectingBlobStore}, with cheap key derivation and a
 * clock that moves one minute before each backup (so that the newest point is well defined), and
 * the operations tests need: back up fake disks, restore and compare, check.
 */
public final class TestRepository {
  public static final char[] PASSWORD = "pw".toCharArray();
  private static final AtomicInteger RESTORES = new AtomicInteger();

  public final MemoryBlobStore memory;
  public final FaultInjectingBlobStore store;
  public final TestClock clock;
  public final Repository repository;
  private final int workers;

  private TestRepository(
      MemoryBlobStore memory,
      FaultInjectingBlobStore store,
      TestClock clock,
      Repository repository,
      int workers) {
    this.memory = memory;
    this.store = store;
    this.clock = clock;
    this.repository = repository;
    this.workers = workers;
  }

  /** A fresh repository; backups and restores use two workers. */
  public static TestRepository create() throws IOException {
    return create(2);
  }

  public static TestRepository create(int workers) throws IOException {
    MemoryBlobStore memory = new MemoryBlobStore();
    FaultInjectingBlobStore store = new FaultInjectingBlobStore(memory);
    TestClock clock = new TestClock(Instant.parse("2026-01-05T10:00:00Z"));
    return new TestRepository(memory, store, clock, init(store, clock), workers);
  }

  /**
   * A fresh immutable repository: objects retained {@code days} plus {@code marginDays} days in
   * compliance mode, by the memory store itself (no fault-injecting wrapper, which cannot retain).
   */
  public static TestRepository createImmutable(int days, int marginDays) throws IOException {
    TestClock clock = new TestClock(Instant.parse("2026-01-05T10:00:00Z"));
    MemoryBlobStore memory = new MemoryBlobStore(clock);
    Repository repository =
        Repository.init(
            memory,
            PASSWORD,
            new Repository.InitOptions(KdfParameters.of(64, 1), "test")
                .immutable(new Immutability(days, marginDays, RetentionMode.COMPLIANCE)),
            clock);
    return new TestRepository(memory, new FaultInjectingBlobStore(memory), clock, repository, 2);
  }

  public static Repository init(BlobStore store, TestClock clock) throws IOException {
    return Repository.init(
        store, PASSWORD, new Repository.InitOptions(KdfParameters.of(64, 1), "test"), clock);
  }

  /**
   * The same stored objects opened afresh, as a new process would (through a new fault-free
   * wrapper, the restart after a simulated crash), sharing the clock.
   */
  public TestRepository reopen() throws IOException {
    FaultInjectingBlobStore fresh = new FaultInjectingBlobStore(memory);
    return new TestRepository(
        memory, fresh, clock, Repository.open(fresh, PASSWORD, clock), workers);
  }

  public static BackupRequest request(String vm, List<? extends DiskSource> disks) {
    return request(vm, disks, Collections.nCopies(disks.size(), Optional.empty()));
  }

  public static BackupRequest request(
      String vm, List<? extends DiskSource> disks, List<Optional<List<Extent>>> extents) {
    return new BackupRequest(
        new VmIdentity(vm, null),
        new SourceDescription("file", "test disks of " + vm),
        List.copyOf(disks),
        extents,
        List.of());
  }

  public BackupResult backup(String vm, DiskSource... disks) throws IOException {
    return backup(request(vm, List.of(disks)));
  }

  public BackupResult backup(BackupRequest request) throws IOException {
    clock.advance(Duration.ofMinutes(1));
    return new BackupEngine(repository, workers, ProgressListener.NONE).backup(request);
  }

  /** Backs up one disk of {@code vm} as an incremental with the given changed extents. */
  public BackupResult incremental(String vm, DiskSource disk, Extent... changed)
      throws IOException {
    return backup(request(vm, List.of(disk), List.of(Optional.of(List.of(changed)))));
  }

  public CheckReport check(int readDataPercent) throws IOException {
    return new Checker(repository, ProgressListener.NONE).check(readDataPercent);
  }

  /** Asserts that a full data check finds nothing wrong, showing the problems if it does. */
  public void assertSound() throws IOException {
    CheckReport report = check(100);
    assertThat(report.problems()).as("check problems").isEmpty();
    assertThat(report.damagedPoints()).as("damaged points").isEmpty();
  }

  public RestorePoint point(String id) throws IOException {
    return repository.points().find(id);
  }

  public List<RestorePoint> points() throws IOException {
    return repository.points().all();
  }

  /** Restores disk {@code index} of {@code point} to a new file in {@code directory}. */
  public Path restore(RestorePoint point, int index, Path directory) throws IOException {
    Path target = directory.resolve("restored-" + RESTORES.incrementAndGet() + ".img");
    new RestoreEngine(repository, workers, ProgressListener.NONE)
        .restoreDisk(point, index, target, false);
    return target;
  }

  /** Restores every disk of {@code point} and compares each with {@code expected}. */
  public void assertRestores(RestorePoint point, Path directory, FakeDisk... expected)
      throws IOException {
    assertThat(point.disks()).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      Path restored = restore(point, i, directory);
      assertSameContent(restored, expected[i]);
      Files.delete(restored);
    }
  }

  /** Compares a file with a fake disk, 1 MiB at a time, naming the first differing offset. */
  public static void assertSameContent(Path file, FakeDisk expected) throws IOException {
    assertThat(Files.size(file)).as("size of " + file).isEqualTo(expected.size());
    byte[] want = new byte[1 << 20];
    ByteBuffer got = ByteBuffer.allocate(1 << 20);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      for (long at = 0; at < expected.size(); at += want.length) {
        int length = (int) Math.min(want.length, expected.size() - at);
        expected.readInto(at, want, 0, length);
        got.clear().limit(length);
        while (got.hasRemaining()) {
          if (channel.read(got, at + got.position()) < 0) {
            fail("%s ends early at %d", file, at + got.position());
          }
        }
        int mismatch = Arrays.mismatch(want, 0, length, got.array(), 0, length);
        if (mismatch >= 0) {
          fail("%s differs from %s at offset %d", file, expected, at + mismatch);
        }
      }
    }
  }

  /** Bytes the file system allocated for {@code file} (st_blocks x 512), via stat(1). */
  public static long allocatedBytes(Path file) throws IOException {
    Process process =
        new ProcessBuilder("stat", "-c", "%b %B", file.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes()).strip();
    try {
      if (process.waitFor() != 0) {
        throw new IOException("stat failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    String[] fields = output.split(" ");
    return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
  }

  /** Block-map pages (TREE chunks) the durable index lists. */
  public long treeChunks() throws IOException {
    long[] count = new long[1];
    repository
        .loadIndexTolerant(
            damage -> {
              throw new IllegalStateException(damage);
            })
        .forEach(
            (pack, entry) -> {
              if (entry.type() == BlobType.TREE) {
                count[0]++;
              }
            });
    return count[0];
  }

  /** Names of stored objects under {@code prefix}. */
  public List<String> names(String prefix) throws IOException {
    List<String> names = new ArrayList<>();
    memory.list(prefix, info -> names.add(info.name()));
    return names;
  }

  /** Total size of stored objects under {@code prefix}. */
  public long bytesUnder(String prefix) throws IOException {
    long[] total = new long[1];
    memory.list(prefix, info -> total[0] += info.size());
    return total[0];
  }

  /** A snapshot of every stored object name and size, to show that nothing changed. */
  public List<String> listing() throws IOException {
    List<String> listing = new ArrayList<>();
    memory.list("", info -> listing.add(info.name() + " " + info.size()));
    Collections.sort(listing);
    return listing;
  }
}
