package dev.cairn.storage.azure;

import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.ArchivingBlobStoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive contract against a real Azurite, which keeps tiers, refuses reads of archived blobs
 * (409 BlobArchived) and completes a rehydration at once.
 */
class AzureArchiveContractTest extends ArchivingBlobStoreContractTest {
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
  protected ArchivingBlobStore newStore() throws Exception {
    return azurite.newStore(AzureSettings.DEFAULT);
  }
}
