package dev.cairn.engine.copy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.RetainingBlobStoreContractTest;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A throttled store around a retaining one keeps the retention contract, pays for retained creates
 * too, and is what {@link ThrottledBlobStore#around} gives for such a store.
 */
class ThrottledRetainingBlobStoreTest extends RetainingBlobStoreContractTest {
  private final TokenBucketTest.FakeTime time = new TokenBucketTest.FakeTime();

  @Override
  protected RetainingBlobStore newStore() {
    return (RetainingBlobStore)
        ThrottledBlobStore.around(new MemoryBlobStore(), new TokenBucket(1000, time));
  }

  @Test
  void retainedCreatesWaitForTheirBytes() throws IOException {
    Retention retention = new Retention(RetentionMode.GOVERNANCE, Instant.now().plusSeconds(600));
    store.createRetained("packs/a", new byte[1000], retention); // the burst
    store.createRetained("packs/b", new byte[3000], retention);

    assertThat(time.seconds()).isCloseTo(3.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(store).isInstanceOf(ThrottledRetainingBlobStore.class);
  }
}
