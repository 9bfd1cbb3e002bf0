package dev.cairn.storage.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The contract, plus the test-only hook the memory store offers. */
class MemoryBlobStoreTest extends BlobStoreContractTest {

  @Override
  protected BlobStore newStore() {
    return new MemoryBlobStore();
  }

  @Test
  void replaceForTestingOverwritesAnObjectsBytes() throws IOException {
    store.create("data/ab/abcd", new byte[] {1, 2, 3});

    ((MemoryBlobStore) store).replaceForTesting("data/ab/abcd", new byte[] {9});

    assertThat(store.read("data/ab/abcd")).containsExactly(9);
    assertThat(listing("")).containsEntry("data/ab/abcd", 1L);
  }

  @Test
  void eachStoreHasItsOwnObjectsAndLocation() throws IOException {
    try (MemoryBlobStore other = new MemoryBlobStore()) {
      store.create("data/ab/abcd", new byte[] {1});

      assertThat(other.stat("data/ab/abcd")).isEmpty();
      assertThat(other.location()).startsWith("memory:");
    }
  }
}
