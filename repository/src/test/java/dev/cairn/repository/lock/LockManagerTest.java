package dev.cairn.repository.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Json;
import dev.cairn.repository.testing.MutableClock;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LockManagerTest {
  private final MemoryBlobStore store = new MemoryBlobStore();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-05-06T07:08:09Z"));
  private final LockManager locks = new LockManager(store, clock, new SecureRandom());
  private final List<RepositoryLock> held = new java.util.ArrayList<>();

  @AfterEach
  void releaseEverything() throws IOException {
    for (RepositoryLock lock : held) {
      lock.close();
    }
  }

  private RepositoryLock acquire(LockKind kind, String operation) throws IOException {
    RepositoryLock lock = locks.acquire(kind, operation);
    held.add(lock);
    return lock;
  }

  private static String thisHost() throws IOException {
    return InetAddress.getLocalHost().getHostName();
  }

  /** A pid no process has: above Linux's largest pid_max, checked to be free. */
  private static long deadPid() {
    for (long pid = Integer.MAX_VALUE - 1; pid > Integer.MAX_VALUE - 1000; pid--) {
      if (ProcessHandle.of(pid).isEmpty()) {
        return pid;
      }
    }
    throw new IllegalStateException("no free pid found");
  }

  private LockInfo writeLock(
      LockKind kind, String operation, String host, long pid, Instant refreshed)
      throws IOException {
    byte[] idBytes = new byte[16];
    new SecureRandom().nextBytes(idBytes);
    LockInfo info =
        new LockInfo(
            java.util.HexFormat.of().formatHex(idBytes),
            kind,
            operation,
            host,
            pid,
            refreshed.minus(Duration.ofHours(1)),
            refreshed);
    store.create(LockManager.PREFIX + info.id(), Json.write(info));
    return info;
  }

  @Test
  void aLockDescribesItsHolderAndIsStoredUnderLocks() throws Exception {
    RepositoryLock lock = acquire(LockKind.SHARED, "backup");

    LockInfo info = lock.info();
    assertThat(info.kind()).isEqualTo(LockKind.SHARED);
    assertThat(info.operation()).isEqualTo("backup");
    assertThat(info.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(info.host()).isEqualTo(thisHost());
    assertThat(info.created()).isEqualTo(clock.instant());
    assertThat(info.refreshed()).isEqualTo(clock.instant());
    assertThat(locks.list()).containsExactly(info);
    assertThat(store.stat("locks/" + info.id())).isPresent();
    assertThat(locks.isStale(info)).isFalse();
  }

  @Test
  void sharedLocksOverlap() throws Exception {
    RepositoryLock backup = acquire(LockKind.SHARED, "backup");
    RepositoryLock restore = acquire(LockKind.SHARED, "restore");

    assertThat(locks.list()).containsExactlyInAnyOrder(backup.info(), restore.info());
  }

  @Test
  void anExclusiveLockIsRefusedWhileASharedOneIsHeldNamingTheHolder() throws Exception {
    RepositoryLock backup = acquire(LockKind.SHARED, "backup");

    CairnException thrown =
        catchThrowableOfType(CairnException.class, () -> acquire(LockKind.EXCLUSIVE, "prune"));

    assertThat(thrown.code()).isEqualTo(ErrorCode.LOCKED);
    assertThat(thrown)
        .hasMessageContaining(store.location())
        .hasMessageContaining("for prune")
        .hasMessageContaining("'backup'")
        .hasMessageContaining("process " + ProcessHandle.current().pid())
        .hasMessageContaining(" on " + thisHost())
        .hasMessageContaining("shared lock");
    assertThat(locks.list()).as("the refused lock is removed").containsExactly(backup.info());
  }

  @Test
  void aSharedLockIsRefusedWhileAnExclusiveOneIsHeld() throws Exception {
    RepositoryLock prune = acquire(LockKind.EXCLUSIVE, "prune");

    CairnException thrown =
        catchThrowableOfType(CairnException.class, () -> acquire(LockKind.SHARED, "backup"));

    assertThat(thrown.code()).isEqualTo(ErrorCode.LOCKED);
    assertThat(thrown).hasMessageContaining("exclusive lock of 'prune'");
    assertThat(locks.list()).containsExactly(prune.info());
  }

  @Test
  void twoExclusiveLocksConflict() throws Exception {
    acquire(LockKind.EXCLUSIVE, "prune");

    assertThat(
            catchThrowableOfType(CairnException.class, () -> acquire(LockKind.EXCLUSIVE, "prune"))
                .code())
        .isEqualTo(ErrorCode.LOCKED);
  }

  @Test
  void closingReleasesTheLock() throws Exception {
    RepositoryLock backup = locks.acquire(LockKind.SHARED, "backup");

    backup.close();

    assertThat(locks.list()).isEmpty();
    acquire(LockKind.EXCLUSIVE, "prune");
  }

  @Test
  void aLockOfADeadProcessOnThisHostIsStaleAndDoesNotBlock() throws Exception {
    LockInfo dead = writeLock(LockKind.SHARED, "backup", thisHost(), deadPid(), clock.instant());

    assertThat(locks.isStale(dead)).isTrue();
    RepositoryLock prune = acquire(LockKind.EXCLUSIVE, "prune");
    assertThat(locks.list()).containsExactlyInAnyOrder(dead, prune.info());
  }

  @Test
  void aFreshLockOfAnotherHostIsNotStaleWhateverItsPid() throws Exception {
    LockInfo remote =
        writeLock(LockKind.SHARED, "backup", "another-host.example", deadPid(), clock.instant());

    assertThat(locks.isStale(remote)).isFalse();
    CairnException thrown =
        catchThrowableOfType(CairnException.class, () -> acquire(LockKind.EXCLUSIVE, "prune"));
    assertThat(thrown).hasMessageContaining("another-host.example");
  }

  @Test
  void aLockNotRefreshedForThirtyOneMinutesIsStaleAndDoesNotBlock() throws Exception {
    RepositoryLock backup = acquire(LockKind.SHARED, "backup");

    clock.advance(Duration.ofMinutes(31));

    assertThat(locks.isStale(backup.info())).isTrue();
    acquire(LockKind.EXCLUSIVE, "prune");
  }

  @Test
  void aLockRefreshedTwentyNineMinutesAgoStillHolds() throws Exception {
    LockInfo remote =
        writeLock(LockKind.SHARED, "backup", "another-host.example", 1, clock.instant());

    clock.advance(Duration.ofMinutes(29));

    assertThat(locks.isStale(remote)).isFalse();
    assertThat(
            catchThrowableOfType(CairnException.class, () -> acquire(LockKind.EXCLUSIVE, "prune"))
                .code())
        .isEqualTo(ErrorCode.LOCKED);
    clock.advance(Duration.ofMinutes(2));
    assertThat(locks.isStale(remote)).isTrue();
  }

  @Test
  void removeStaleRemovesOnlyStaleLocks() throws Exception {
    RepositoryLock live = acquire(LockKind.SHARED, "backup");
    LockInfo remoteLive =
        writeLock(LockKind.SHARED, "check", "another-host.example", 1, clock.instant());
    LockInfo dead = writeLock(LockKind.SHARED, "restore", thisHost(), deadPid(), clock.instant());
    LockInfo old =
        writeLock(
            LockKind.EXCLUSIVE,
            "prune",
            "another-host.example",
            1,
            clock.instant().minus(Duration.ofHours(2)));

    List<LockInfo> removed = locks.removeStale();

    assertThat(removed).containsExactlyInAnyOrder(dead, old);
    assertThat(locks.list()).containsExactlyInAnyOrder(live.info(), remoteLive);
  }

  @Test
  void removeAllRemovesEvenLiveLocks() throws Exception {
    RepositoryLock live = locks.acquire(LockKind.SHARED, "backup");
    LockInfo remote =
        writeLock(LockKind.SHARED, "check", "another-host.example", 1, clock.instant());

    assertThat(locks.removeAll()).containsExactlyInAnyOrder(live.info(), remote);

    assertThat(locks.list()).isEmpty();
    live.close();
  }

  @Test
  void anUnreadableLockObjectFailsTheAcquireWithoutLeavingOurLockBehind() throws Exception {
    store.create("locks/" + "0".repeat(32), "{not json".getBytes());

    DamagedObjectException thrown =
        catchThrowableOfType(
            DamagedObjectException.class, () -> acquire(LockKind.SHARED, "backup"));

    assertThat(thrown.objectName()).isEqualTo("locks/" + "0".repeat(32));
    List<String> names = new java.util.ArrayList<>();
    store.list("locks/", info -> names.add(info.name()));
    assertThat(names).containsExactly("locks/" + "0".repeat(32));
  }

  @Test
  void conflictRulesFollowTheLockTable() {
    assertThat(LockKind.SHARED.conflictsWith(LockKind.SHARED)).isFalse();
    assertThat(LockKind.SHARED.conflictsWith(LockKind.EXCLUSIVE)).isTrue();
    assertThat(LockKind.EXCLUSIVE.conflictsWith(LockKind.SHARED)).isTrue();
    assertThat(LockKind.EXCLUSIVE.conflictsWith(LockKind.EXCLUSIVE)).isTrue();
  }
}
