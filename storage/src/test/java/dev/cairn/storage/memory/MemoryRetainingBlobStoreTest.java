package dev.cairn.storage.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.RetainingBlobStoreContractTest;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The retention contract on the memory store, plus expiry by its clock. */
class MemoryRetainingBlobStoreTest extends RetainingBlobStoreContractTest {
  private final SteppedClock clock = new SteppedClock(Instant.parse("2030-03-01T10:00:00Z"));

  @Override
  protected RetainingBlobStore newStore() {
    return new MemoryBlobStore(clock);
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }

  @Test
  void anObjectCanBeDeletedOnceItsRetentionHasEnded() throws IOException {
    Instant until = clock.instant().plus(Duration.ofDays(3));
    store.createRetained(
        "packs/cc/old", new byte[] {1}, new Retention(RetentionMode.COMPLIANCE, until));

    clock.now = until.minusSeconds(1);
    assertThatThrownBy(() -> store.delete("packs/cc/old"))
        .hasMessage(
            "Cannot delete object packs/cc/old in "
                + store.location()
                + ": it is retained until 2030-03-04T10:00:00Z");

    clock.now = until;
    store.delete("packs/cc/old");
    assertThat(store.stat("packs/cc/old")).isEmpty();
  }

  @Test
  void aRetainedObjectCannotBeOverwrittenEvenByTheTestHook() throws IOException {
    store.createRetained(
        "points/p",
        new byte[] {1},
        new Retention(RetentionMode.GOVERNANCE, clock.instant().plusSeconds(60)));

    assertThatThrownBy(
            () -> ((MemoryBlobStore) store).replaceForTesting("points/p", new byte[] {2}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("points/p");
    assertThat(store.read("points/p")).containsExactly(1);
  }

  /** A clock the test sets. */
  private static final class SteppedClock extends Clock {
    volatile Instant now;

    SteppedClock(Instant start) {
      now = start;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
