package dev.cairn.storage.azure;

import dev.cairn.storage.BlobStoreProvider;
import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.RetainingBlobStoreContractTest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/**
 * The retention contract at the HTTP level: the real {@link AzureBlobStore} and Azure SDK against
 * {@link FakeWormContainer}, a stateful fake of a container with version-level immutability (which
 * Azurite does not implement).
 */
class AzureRetainingContractTest extends RetainingBlobStoreContractTest {
  private FakeBlobService service;

  @Override
  protected RetainingBlobStore newStore() throws Exception {
    service = new FakeBlobService(new FakeWormContainer());
    return new AzureBlobStoreProvider()
        .open(
            "azure://" + FakeBlobService.ACCOUNT + "/vault",
            new BlobStoreProvider.Context(
                Map.of(
                    AzureBlobStoreProvider.ACCOUNT_KEY,
                    AzureBlobStoreFakeServiceTest.randomKey(11)),
                Optional.of(service.endpoint()),
                false),
            AzureSettings.DEFAULT
                .withRetries(2, Duration.ofMillis(10), Duration.ofSeconds(1))
                .withTryTimeout(Duration.ofSeconds(10)));
  }

  @AfterEach
  void stopService() throws Exception {
    if (service != null) {
      service.close();
    }
  }
}
