package dev.cairn.engine.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bandwidth limit, on a fake clock that only moves when the bucket sleeps: what is measured is
 * the sleeping the bucket asks for, not how long anything took.
 */
class TokenBucketTest {
  private static final long MIB = 1024 * 1024;

  /** Monotonic time that only sleeping moves (and {@link #pass}). */
  static final class FakeTime implements TokenBucket.Time {
    long now = 1_000_000_000L;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleep(long nanos) {
      sleeps.add(nanos);
      now += nanos;
    }

    void pass(long nanos) {
      now += nanos;
    }

    double seconds() {
      return (now - 1_000_000_000L) / 1e9;
    }
  }

  @Test
  void aBurstOfOneSecondPassesThenTheRateHolds() throws Exception {
    FakeTime time = new FakeTime();
    TokenBucket bucket = new TokenBucket(4 * MIB, time);

    bucket.take(4 * MIB);
    assertThat(time.sleeps).as("the first second's worth is free").isEmpty();

    bucket.take(16 * MIB);
    assertThat(time.sleeps).hasSize(1);
    assertThat(time.seconds()).isCloseTo(4.0, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void theLongRunRateNeverExceedsTheLimit() throws Exception {
    FakeTime time = new FakeTime();
    double rate = 10 * MIB;
    TokenBucket bucket = new TokenBucket(rate, time);
    SplittableRandom random = new SplittableRandom(42);
    long taken = 0;
    for (int i = 0; i < 500; i++) {
      long bytes = random.nextLong(1, 17 * MIB);
      bucket.take(bytes);
      taken += bytes;
      if (random.nextInt(4) == 0) {
        time.pass(random.nextLong(2_000_000_000L)); // the store itself took a while
      }
    }
    // Everything beyond the first second's burst was paid for in time.
    assertThat(taken).isLessThanOrEqualTo((long) (rate * (time.seconds() + 1)) + 1);
    assertThat(time.sleeps).isNotEmpty();
  }

  @Test
  void idleTimeDoesNotBankMoreThanOneSecond() throws Exception {
    FakeTime time = new FakeTime();
    TokenBucket bucket = new TokenBucket(MIB, time);
    bucket.take(MIB);
    time.pass(3_600_000_000_000L); // an hour idle

    bucket.take(3 * MIB);

    assertThat(time.sleeps).hasSize(1);
    assertThat(time.sleeps.getFirst()).isEqualTo(2_000_000_000L);
  }

  @Test
  void aRateMustBePositive() {
    assertThatThrownBy(() -> new TokenBucket(0, new FakeTime()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
