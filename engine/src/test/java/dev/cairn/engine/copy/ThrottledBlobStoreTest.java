package dev.cairn.engine.copy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The throttled store keeps the store contract and pays for every byte it creates. */
class ThrottledBlobStoreTest extends BlobStoreContractTest {
  private final TokenBucketTest.FakeTime time = new TokenBucketTest.FakeTime();

  @Override
  protected BlobStore newStore() {
    return new ThrottledBlobStore(new MemoryBlobStore(), new TokenBucket(1000, time));
  }

  @Test
  void createsWaitForTheirBytesAndReadsDoNot() throws IOException {
    store.create("packs/a", new byte[1000]); // the burst
    store.create("packs/b", new byte[3000]);
    store.create("packs/c", ByteBuffer.wrap(new byte[2000]));
    double afterCreates = time.seconds();

    store.read("packs/a");
    store.readRange("packs/b", 0, 10);
    store.list("", info -> {});

    assertThat(afterCreates).isCloseTo(5.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(time.seconds()).isEqualTo(afterCreates);
    assertThat(store.read("packs/c")).hasSize(2000);
  }
}
