package dev.cairn.repository.lock;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Json;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.NoSuchObjectException;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Takes and releases locks by writing lock objects, the only coordination an object store allows:
 * write your own lock, then list; if a conflicting live lock exists, delete yours and fail. Two
 * contenders that race may both fail, never both succeed. A lock is stale (ignored, and removable
 * by {@code unlock}) when it was not refreshed for {@link #STALE_AFTER}, or when it names a process
 * on this host that no longer exists (a backup killed with SIGKILL does not block the next prune).
 */
public final class LockManager {
  public static final String PREFIX = "locks/";
  public static final Duration STALE_AFTER = Duration.ofMinutes(30);
  public static final Duration REFRESH_EVERY = Duration.ofMinutes(5);

  private final BlobStore store;
  private final Clock clock;
  private final SecureRandom random;
  private final String host;

  public LockManager(BlobStore store, Clock clock, SecureRandom random) {
    this.store = store;
    this.clock = clock;
    this.random = random;
    this.host = hostName();
  }

  /**
   * Takes a lock of {@code kind} for {@code operation}.
   *
   * @throws CairnException with {@link ErrorCode#LOCKED} naming the holder of a conflicting lock
   */
  public RepositoryLock acquire(LockKind kind, String operation) throws IOException {
    byte[] idBytes = new byte[16];
    random.nextBytes(idBytes);
    Instant now = clock.instant();
    LockInfo mine =
        new LockInfo(
            HexFormat.of().formatHex(idBytes),
            kind,
            operation,
            host,
            ProcessHandle.current().pid(),
            now,
            now);
    store.create(PREFIX + mine.id(), Json.write(mine));
    try {
      for (LockInfo other : list()) {
        if (!other.id().equals(mine.id()) && kind.conflictsWith(other.kind()) && !isStale(other)) {
          throw new CairnException(
              ErrorCode.LOCKED,
              "Cannot lock repository "
                  + store.location()
                  + " for "
                  + operation
                  + ": "
                  + other.describe()
                  + " holds it (if that process is gone, run 'cairn unlock')");
        }
      }
    } catch (IOException | RuntimeException e) {
      store.delete(PREFIX + mine.id());
      throw e;
    }
    return new HeldLock(mine);
  }

  /** Every lock object that could be read. */
  public List<LockInfo> list() throws IOException {
    List<String> names = new ArrayList<>();
    store.list(PREFIX, info -> names.add(info.name()));
    List<LockInfo> locks = new ArrayList<>();
    for (String name : names) {
      try {
        locks.add(Json.read(store.read(name), LockInfo.class, name));
      } catch (NoSuchObjectException released) {
        // released while we listed
      }
    }
    return locks;
  }

  public boolean isStale(LockInfo lock) {
    if (lock.refreshed().plus(STALE_AFTER).isBefore(clock.instant())) {
      return true;
    }
    if (host.equals(lock.host())) {
      Optional<ProcessHandle> process = ProcessHandle.of(lock.pid());
      return process.isEmpty() || !process.get().isAlive();
    }
    return false;
  }

  /** Removes stale locks (or every lock when {@code all}); returns those removed. */
  public List<LockInfo> removeStale() throws IOException {
    List<LockInfo> removed = new ArrayList<>();
    for (LockInfo lock : list()) {
      if (isStale(lock)) {
        store.delete(PREFIX + lock.id());
        removed.add(lock);
      }
    }
    return removed;
  }

  /** Removes every lock, live or not: for an operator who knows no Cairn process runs. */
  public List<LockInfo> removeAll() throws IOException {
    List<LockInfo> removed = list();
    for (LockInfo lock : removed) {
      store.delete(PREFIX + lock.id());
    }
    return removed;
  }

  private final class HeldLock implements RepositoryLock {
    private volatile LockInfo current;
    private final Thread refresher;

    HeldLock(LockInfo info) {
      this.current = info;
      this.refresher = Thread.ofVirtual().name("lock-refresh").start(this::refreshLoop);
    }

    @Override
    public LockInfo info() {
      return current;
    }

    private void refreshLoop() {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Thread.sleep(REFRESH_EVERY);
          LockInfo old = current;
          byte[] idBytes = new byte[16];
          random.nextBytes(idBytes);
          LockInfo fresh =
              new LockInfo(
                  HexFormat.of().formatHex(idBytes),
                  old.kind(),
                  old.operation(),
                  old.host(),
                  old.pid(),
                  old.created(),
                  clock.instant());
          store.create(PREFIX + fresh.id(), Json.write(fresh));
          current = fresh;
          store.delete(PREFIX + old.id());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // The lock object we hold stays; it will look stale after STALE_AFTER.
      }
    }

    @Override
    public void close() throws IOException {
      refresher.interrupt();
      try {
        refresher.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      store.delete(PREFIX + current.id());
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
