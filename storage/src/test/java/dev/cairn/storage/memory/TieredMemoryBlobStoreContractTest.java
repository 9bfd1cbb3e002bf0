package dev.cairn.storage.memory;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;

/** The plain store contract holds for the tiered memory store while nothing is archived. */
class TieredMemoryBlobStoreContractTest extends BlobStoreContractTest {
  @Override
  protected BlobStore newStore() {
    return new TieredMemoryBlobStore();
  }
}
