package dev.cairn.nbd.client;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fails a blocked connection when the server stalls: while armed, it runs {@code onStall} (which
 * closes the socket, so the blocked read or write throws) once the limit passes without progress.
 * Socket channels have no read timeout, and Unix-domain channels have no socket adaptor that would
 * offer one, so a watchdog is the one mechanism that works for every transport.
 *
 * <p>One daemon thread serves all guards. Arming is cheap: a check is scheduled only when none is
 * pending, and a check that finds recent progress reschedules itself rather than firing; {@link
 * #progress()} is a single volatile write, safe on the I/O hot path.
 *
 * <p>Thread-safety: {@link #arm}, {@link #disarm} and {@link #progress} are called by the thread
 * running a command; the check runs on the timer thread.
 */
final class StallGuard {
  private static final ScheduledThreadPoolExecutor TIMER = createTimer();

  private final Runnable onStall;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile long lastProgressNanos;
  private volatile boolean fired;
  // Guarded by lock.
  private boolean armed;
  private boolean extendOnProgress;
  private long limitNanos;
  private long armedAtNanos;
  private ScheduledFuture<?> check;
  private long checkAtNanos;

  StallGuard(Runnable onStall) {
    this.onStall = onStall;
  }

  /**
   * Starts watching. With {@code extendOnProgress} the limit counts from the latest progress (an
   * I/O limit); without it, from now (a deadline for a whole phase such as the handshake).
   */
  void arm(Duration limit, boolean extendOnProgress) {
    long now = System.nanoTime();
    lock.lock();
    try {
      this.limitNanos = Math.max(1, limit.toNanos());
      this.extendOnProgress = extendOnProgress;
      this.armedAtNanos = now;
      this.lastProgressNanos = now;
      this.armed = true;
      long due = now + limitNanos;
      if (check != null && checkAtNanos - due > 0) {
        check.cancel(false);
        check = null;
      }
      if (check == null) {
        schedule(due - now, now);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Records that bytes moved; extends an I/O limit. */
  void progress() {
    lastProgressNanos = System.nanoTime();
  }

  /** Stops watching; a pending check finds the guard disarmed and lapses. */
  void disarm() {
    lock.lock();
    try {
      armed = false;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the guard has run {@code onStall}. */
  boolean fired() {
    return fired;
  }

  private void check() {
    long now = System.nanoTime();
    lock.lock();
    try {
      check = null;
      if (!armed || fired) {
        return;
      }
      long from = extendOnProgress ? Math.max(lastProgressNanos, armedAtNanos) : armedAtNanos;
      long remaining = from + limitNanos - now;
      if (remaining > 0) {
        schedule(remaining, now);
        return;
      }
      fired = true;
    } finally {
      lock.unlock();
    }
    onStall.run();
  }

  private void schedule(long delayNanos, long now) {
    checkAtNanos = now + delayNanos;
    check = TIMER.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
  }

  private static ScheduledThreadPoolExecutor createTimer() {
    var timer =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "nbd-client-stall-guard");
              thread.setDaemon(true);
              return thread;
            });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
