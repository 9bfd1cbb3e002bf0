package dev.cairn.storage.azure;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The shared {@link BlobStore} contract, against a real Azurite, one new container per test. */
class AzureBlobStoreContractTest extends BlobStoreContractTest {
  @TempDir static Path azuriteData;
  private static Azurite azurite;

  @BeforeAll
  static void startAzurite() throws Exception {
    azurite = Azurite.start(azuriteData);
  }

  @AfterAll
  static void stopAzurite() throws Exception {
    if (azurite != null) {
      azurite.close();
    }
  }

  @Override
  protected BlobStore newStore() throws Exception {
    // Small blocks, so that the contract's 5 MiB objects also go through the block upload.
    return azurite.newStore(AzureSettings.DEFAULT.withUploads(1024 * 1024, 1024 * 1024, 4));
  }
}
