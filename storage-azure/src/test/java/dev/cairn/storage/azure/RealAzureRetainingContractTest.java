package dev.cairn.storage.azure;

import com.azure.storage.blob.models.ListBlobsOptions;
import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.RetainingBlobStoreContractTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The retention contract against a real Azure container with version-level immutability, under a
 * fresh prefix per test. Runs only when both {@code CAIRN_TEST_AZURE_CONNECTION_STRING} and {@code
 * CAIRN_TEST_AZURE_WORM_CONTAINER} are set. Policies are unlocked (governance) and removed after
 * each test, so nothing stays locked in the account.
 */
@EnabledIfEnvironmentVariable(named = RealAzure.CONNECTION_STRING_VARIABLE, matches = ".+")
@EnabledIfEnvironmentVariable(named = RealAzure.WORM_CONTAINER_VARIABLE, matches = ".+")
class RealAzureRetainingContractTest extends RetainingBlobStoreContractTest {
  private static final String WORM = System.getenv(RealAzure.WORM_CONTAINER_VARIABLE);
  private String prefix;

  @Override
  protected RetainingBlobStore newStore() throws Exception {
    prefix = "cairn-contract/" + RealAzure.newContainerName();
    return RealAzure.open("azure://" + RealAzure.account() + "/" + WORM + "/" + prefix, false);
  }

  @AfterEach
  void removePolicies() {
    var container = RealAzure.container(WORM);
    for (var item : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "/"), null)) {
      var blob = container.getBlobClient(item.getName());
      blob.deleteImmutabilityPolicy();
      blob.setLegalHold(false);
      blob.deleteIfExists();
    }
  }
}
