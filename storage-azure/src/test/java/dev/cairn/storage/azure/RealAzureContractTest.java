package dev.cairn.storage.azure;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The shared contract against a real Azure Storage account, one new container per test, deleted
 * after it. Runs only when {@code CAIRN_TEST_AZURE_CONNECTION_STRING} is set (skipped otherwise, in
 * CI too).
 */
@EnabledIfEnvironmentVariable(named = RealAzure.CONNECTION_STRING_VARIABLE, matches = ".+")
class RealAzureContractTest extends BlobStoreContractTest {
  private final List<String> containers = new ArrayList<>();

  @Override
  protected BlobStore newStore() throws Exception {
    String container = RealAzure.newContainerName();
    containers.add(container);
    return RealAzure.open("azure://" + RealAzure.account() + "/" + container, true);
  }

  @AfterEach
  void deleteContainers() {
    containers.forEach(name -> RealAzure.container(name).deleteIfExists());
  }
}
