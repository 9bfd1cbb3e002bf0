package dev.cairn.engine.copy;

import java.io.InterruptedIOException;

/**
 * A token bucket of bytes: tokens flow in at {@code bytesPerSecond} up to a burst of one second's
 * worth; taking more than the bucket holds leaves it in debt, and the taker sleeps until the debt
 * would be paid. So a 16 MiB pack at 4 MiB/s waits about four seconds, whatever the burst, and the
 * long-run rate never exceeds the limit. Thread-safe: concurrent takers queue behind each other's
 * debt.
 */
public final class TokenBucket {
  /** Where the bucket reads monotonic time and how it waits; tests give a fake. */
  public interface Time {
    long nanoTime();

    void sleep(long nanos) throws InterruptedException;

    Time SYSTEM =
        new Time() {
          @Override
          public long nanoTime() {
            return System.nanoTime();
          }

          @Override
          public void sleep(long nanos) throws InterruptedException {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
          }
        };
  }

  private static final double NANOS_PER_SECOND = 1e9;

  private final double bytesPerSecond;
  private final double capacity;
  private final Time time;
  private double tokens;
  private long last;

  /**
   * A full bucket.
   *
   * @throws IllegalArgumentException if the rate is not positive
   */
  public TokenBucket(double bytesPerSecond, Time time) {
    if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
      throw new IllegalArgumentException("Rate must be positive: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.capacity = bytesPerSecond;
    this.time = time;
    this.tokens = capacity;
    this.last = time.nanoTime();
  }

  public double bytesPerSecond() {
    return bytesPerSecond;
  }

  /** Takes {@code bytes} tokens, sleeping as long as the bucket is in debt. */
  public void take(long bytes) throws InterruptedIOException {
    long wait = reserve(bytes);
    if (wait > 0) {
      try {
        time.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Interrupted while waiting for the bandwidth limit");
      }
    }
  }

  /** Takes the tokens now and returns how many nanoseconds the taker must wait for them. */
  synchronized long reserve(long bytes) {
    long now = time.nanoTime();
    tokens = Math.min(capacity, tokens + (now - last) * bytesPerSecond / NANOS_PER_SECOND);
    last = now;
    tokens -= bytes;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * NANOS_PER_SECOND / bytesPerSecond);
  }
}
