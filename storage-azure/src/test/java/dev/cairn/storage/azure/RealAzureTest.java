package dev.cairn.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.azure.storage.blob.BlobClient;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.BlobStoreProvider;
import dev.cairn.storage.ObjectLockedException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * What only a real Azure Storage account can prove: archive and rehydration, write-once retention
 * and legal hold enforced by the service, and its answers to bad credentials. Runs only when {@code
 * CAIRN_TEST_AZURE_CONNECTION_STRING} is set; the write-once tests also need {@code
 * CAIRN_TEST_AZURE_WORM_CONTAINER}. Policies are unlocked and a minute long, and removed after the
 * test, so nothing stays locked in the account.
 */
@EnabledIfEnvironmentVariable(named = RealAzure.CONNECTION_STRING_VARIABLE, matches = ".+")
class RealAzureTest {
  private static String container;
  private static AzureBlobStore store;

  @BeforeAll
  static void createContainer() throws IOException {
    container = RealAzure.newContainerName();
    store = RealAzure.open("azure://" + RealAzure.account() + "/" + container, true);
  }

  @AfterAll
  static void deleteContainer() {
    if (container != null) {
      RealAzure.container(container).deleteIfExists();
    }
  }

  @Test
  void anArchivedObjectCannotBeReadAndRehydrationIsReportedAsPending() throws IOException {
    store.create("archived", new byte[] {1, 2, 3});

    store.setTier("archived", AccessTier.ARCHIVE);

    assertThatThrownBy(() -> store.read("archived"))
        .isInstanceOf(ArchivedObjectException.class)
        .hasMessageEndingWith("archived, rehydrate first");
    store.rehydrate("archived", AccessTier.HOT, dev.cairn.storage.RehydratePriority.STANDARD);
    assertThat(store.tier("archived"))
        .isEqualTo(new ObjectTier(AccessTier.ARCHIVE, Optional.of(AccessTier.HOT)));
    assertThatThrownBy(() -> store.read("archived"))
        .isInstanceOf(ArchivedObjectException.class)
        .hasMessageEndingWith("archived, rehydration in progress");
    store.delete("archived");
  }

  @Test
  void aWrongKeyAndAMissingContainerGiveOneLineNamingTheAccount() {
    String account = RealAzure.account();
    String wrongKey = AzureBlobStoreFakeServiceTest.randomKey(3);

    assertThatThrownBy(
            () ->
                new AzureBlobStoreProvider()
                    .open(
                        "azure://" + account + "/" + container,
                        new BlobStoreProvider.Context(
                            Map.of(AzureBlobStoreProvider.ACCOUNT_KEY, wrongKey),
                            Optional.empty(),
                            false)))
        .hasMessageStartingWith(
            "Cannot open repository azure://"
                + account
                + "/"
                + container
                + ": authentication failed for account "
                + account
                + " (HTTP 403")
        .hasMessageNotContaining(wrongKey);
    assertThatThrownBy(() -> RealAzure.open("azure://" + account + "/cairn-test-missing", false))
        .hasMessage(
            "Cannot open repository azure://"
                + account
                + "/cairn-test-missing: container cairn-test-missing does not exist");
  }

  @Test
  void aProtectedObjectCannotBeDeletedUntilItsRetentionAndHoldAreGone() throws IOException {
    String wormContainer = System.getenv(RealAzure.WORM_CONTAINER_VARIABLE);
    assumeTrue(wormContainer != null && !wormContainer.isBlank(), "no WORM container given");
    AzureBlobStore worm =
        RealAzure.open(
            "azure://" + RealAzure.account() + "/" + wormContainer + "/cairn-test", false);
    String name = "index-" + RealAzure.newContainerName();
    Retention retention =
        new Retention(Instant.now().plus(Duration.ofMinutes(1)), Retention.Mode.UNLOCKED);
    BlobClient blob = RealAzure.container(wormContainer).getBlobClient("cairn-test/" + name);
    try {
      worm.createImmutable(name, new byte[] {7}, retention, false);

      assertThat(worm.protection(name))
          .isEqualTo(new ObjectProtection(Optional.of(retention), false));
      assertThatThrownBy(() -> worm.delete(name))
          .isInstanceOf(ObjectLockedException.class)
          .hasMessageContaining("retention policy");

      Retention later = new Retention(retention.until().plusSeconds(60), Retention.Mode.UNLOCKED);
      worm.extendRetention(name, later);
      worm.setLegalHold(name, true);
      assertThat(worm.protection(name)).isEqualTo(new ObjectProtection(Optional.of(later), true));
      worm.setLegalHold(name, false);
      assertThat(worm.read(name)).containsExactly(7);
    } finally {
      if (blob.exists()) {
        blob.setLegalHold(false);
        blob.deleteImmutabilityPolicy();
        blob.delete();
      }
    }
  }
}
