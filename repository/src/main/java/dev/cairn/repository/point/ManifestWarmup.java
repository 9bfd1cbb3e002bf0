package dev.cairn.repository.point;

import dev.cairn.repository.Json;
import dev.cairn.repository.compression.Compressor;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets zstd's first use and Jackson's first reading of a restore point manifest (binding the native
 * library, and building its deserializers for the records: about 0.2 s each in a fresh JVM) done on
 * a spare core while Argon2id derives the key, so that commands which look up a point right after
 * opening the repository ({@code restore}, {@code export}) do not wait for it. It reads a made-up
 * manifest and touches no real data.
 */
public final class ManifestWarmup {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private ManifestWarmup() {}

  /**
   * Starts the warm-up once per process on a daemon thread; returns at once. The system property
   * {@code cairn.noWarmup=true} turns it off, like the cipher warm-up.
   */
  public static void startInBackground() {
    if (!Boolean.getBoolean("cairn.noWarmup") && STARTED.compareAndSet(false, true)) {
      Thread.ofPlatform().daemon().name("manifest-warmup").start(ManifestWarmup::run);
    }
  }

  private static void run() {
    try {
      // zstd-jni binds its native functions on first use (about 0.2 s of method-handle set-up in
      // a fresh JVM); every stored manifest is a zstd frame, so bind it here, off the main thread.
      Compressor.decompressFrame(Compressor.compress(new byte[4096]), 4096);
    } catch (RuntimeException e) {
      // Only a warm-up.
    }
    try {
      RestorePoint sample =
          new RestorePoint(
              1,
              "00000000000000000000000000000000",
              new VmIdentity("warm-up", null),
              Instant.EPOCH,
              "localhost",
              new SourceDescription("file", "warm-up"),
              List.of(),
              null,
              List.of(new DiskImage("disk", "warm-up", 1, 65536, null, Map.of())),
              new PointStatistics(0, 0, 0, 0, 0, 1, 0, 0, 0, false, 0),
              List.of());
      Json.read(Json.write(sample), RestorePoint.class, "warm-up");
    } catch (RuntimeException | java.io.IOException e) {
      // Only a warm-up: real reads report real failures.
    }
  }
}
