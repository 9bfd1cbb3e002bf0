package dev.cairn.storage.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.ArchivingBlobStoreContractTest;
import dev.cairn.storage.RehydratePriority;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The archive contract, plus rehydrations that take time on a clock the test moves. */
class TieredMemoryBlobStoreTest extends ArchivingBlobStoreContractTest {

  @Override
  protected ArchivingBlobStore newStore() {
    return new TieredMemoryBlobStore();
  }

  @Test
  void aRehydrationCompletesWhenTheClockSaysSoAndIsAskedForOnce() throws IOException {
    MovableClock clock = new MovableClock();
    TieredMemoryBlobStore slow = new TieredMemoryBlobStore(clock, Duration.ofHours(15));
    slow.create("packs/data/ab/abcd", bytes(10, 1));
    slow.archive("packs/data/ab/abcd");

    slow.rehydrate("packs/data/ab/abcd", RehydratePriority.STANDARD);
    clock.now = clock.now.plus(Duration.ofHours(14));
    slow.rehydrate("packs/data/ab/abcd", RehydratePriority.STANDARD);

    assertThat(slow.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.REHYDRATING);
    assertThatThrownBy(() -> slow.read("packs/data/ab/abcd"))
        .isInstanceOf(ArchivedObjectException.class)
        .hasMessageEndingWith(": archived, rehydration in progress");
    slow.archive("packs/data/ab/abcd"); // a rehydration in progress wins
    assertThat(slow.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.REHYDRATING);

    clock.now = clock.now.plus(Duration.ofHours(1));

    assertThat(slow.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ONLINE);
    assertThat(slow.read("packs/data/ab/abcd")).isEqualTo(bytes(10, 1));
    assertThat(slow.rehydrationRequests()).containsExactly("packs/data/ab/abcd");
  }

  private static final class MovableClock extends Clock {
    Instant now = Instant.parse("2026-11-25T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
