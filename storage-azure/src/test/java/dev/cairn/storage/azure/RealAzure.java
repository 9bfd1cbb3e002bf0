package dev.cairn.storage.azure;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import dev.cairn.storage.BlobStoreProvider;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Azure Storage account for the tests that only a real service can answer, from {@code
 * CAIRN_TEST_AZURE_CONNECTION_STRING} (an account-key connection string: the tests create and
 * delete containers named {@code cairn-test-*}). {@code CAIRN_TEST_AZURE_WORM_CONTAINER} names an
 * existing container with version-level immutability support for the write-once tests.
 */
final class RealAzure {
  static final String CONNECTION_STRING_VARIABLE = "CAIRN_TEST_AZURE_CONNECTION_STRING";
  static final String WORM_CONTAINER_VARIABLE = "CAIRN_TEST_AZURE_WORM_CONTAINER";

  private static final AtomicInteger CONTAINERS = new AtomicInteger();
  private static final String RUN =
      Long.toString(new SplittableRandom(System.nanoTime()).nextLong() & 0xffffffffL, 36);

  private RealAzure() {}

  static String connectionString() {
    return System.getenv(CONNECTION_STRING_VARIABLE);
  }

  static String account() {
    return ConnectionString.parse(connectionString(), CONNECTION_STRING_VARIABLE)
        .accountName()
        .orElseThrow(
            () -> new IllegalStateException(CONNECTION_STRING_VARIABLE + " has no AccountName"));
  }

  static Map<String, String> environment() {
    return Map.of(AzureBlobStoreProvider.CONNECTION_STRING, connectionString());
  }

  static String newContainerName() {
    return "cairn-test-" + RUN + "-" + CONTAINERS.incrementAndGet();
  }

  static AzureBlobStore open(String url, boolean create) throws IOException {
    return new AzureBlobStoreProvider()
        .open(
            url,
            new BlobStoreProvider.Context(environment(), Optional.empty(), create),
            AzureSettings.DEFAULT);
  }

  /** The container through the SDK directly, for setting up and cleaning up. */
  static BlobContainerClient container(String name) {
    return new BlobServiceClientBuilder()
        .connectionString(connectionString())
        .buildClient()
        .getBlobContainerClient(name);
  }
}
