package dev.cairn.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.BlobStoreProvider;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** URLs, endpoints and credentials as the provider reads them; nothing here needs a service. */
class AzureBlobStoreProviderTest {
  private static final String KEY = AzureBlobStoreFakeServiceTest.randomKey(11);
  private static final AzureBlobStoreProvider PROVIDER = new AzureBlobStoreProvider();

  @Test
  void theProviderIsFoundByServiceLoaderForTheAzureScheme() {
    assertThat(ServiceLoader.load(BlobStoreProvider.class))
        .filteredOn(provider -> provider.schemes().contains("azure"))
        .hasSize(1)
        .first()
        .isInstanceOf(AzureBlobStoreProvider.class);
  }

  @Test
  void aLocationParsesIntoAccountContainerAndPrefixAndPrintsBackTheSame() {
    assertThat(AzureLocation.parse("azure://acct/backups"))
        .isEqualTo(new AzureLocation("acct", "backups", ""));
    assertThat(AzureLocation.parse("azure://acct/backups/site-a/vm1/"))
        .isEqualTo(new AzureLocation("acct", "backups", "site-a/vm1"));
    assertThat(AzureLocation.parse("azure://acct/backups/site-a/vm1/").toString())
        .isEqualTo("azure://acct/backups/site-a/vm1");
    assertThat(new AzureLocation("acct", "b-1", "p").blobName("data/x")).isEqualTo("p/data/x");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "s3://bucket/x",
        "azure://",
        "azure://acct",
        "azure://acct/",
        "azure://Acct/backups",
        "azure://ac/backups",
        "azure://acct/Backups",
        "azure://acct/ba",
        "azure://acct/back--ups",
        "azure://acct/-backups",
        "azure://acct/backups/../x",
        "azure://acct/backups//x",
        "azure://acct/backups/.hidden"
      })
  void malformedLocationsAreRejectedNamingTheUrl(String url) {
    assertThatThrownBy(() -> AzureLocation.parse(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid Azure location ");
  }

  @Test
  void aSasTokenPastedIntoTheUrlIsRefusedWithoutBeingRepeated() {
    assertThatThrownBy(
            () -> AzureLocation.parse("azure://acct/backups?sv=2024&sig=c2VjcmV0c2lnbmF0dXJl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("azure://acct/backups")
        .hasMessageNotContaining("sig=")
        .hasMessageNotContaining("c2VjcmV0c2lnbmF0dXJl");
  }

  @Test
  void plainHttpIsRefusedExceptOnLoopback() {
    assertThatThrownBy(() -> open("azure://acct/backups", keyOnly(), "http://storage.example:80"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot open repository azure://acct/backups: the endpoint http://storage.example:80"
                + " is plain http; only https is allowed, except for an emulator on 127.0.0.1 or"
                + " localhost");
    AzureLocation location = AzureLocation.parse("azure://acct/backups");
    assertThat(AzureBlobStoreProvider.checkEndpoint("http://127.0.0.1:10000", location, "open"))
        .isEqualTo(URI.create("http://127.0.0.1:10000/acct"));
    assertThat(AzureBlobStoreProvider.checkEndpoint("http://localhost:7/acct", location, "open"))
        .isEqualTo(URI.create("http://localhost:7/acct"));
    assertThat(AzureBlobStoreProvider.checkEndpoint("https://acct.blob.example", location, "open"))
        .isEqualTo(URI.create("https://acct.blob.example"));
  }

  @Test
  void anEndpointWithAQueryIsRefusedWithoutShowingIt() {
    assertThatThrownBy(
            () ->
                open(
                    "azure://acct/backups",
                    keyOnly(),
                    "https://acct.blob.example/?sv=1&sig=c2VjcmV0c2lnbmF0dXJl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https://acct.blob.example")
        .hasMessageNotContaining("c2VjcmV0c2lnbmF0dXJl");
  }

  @Test
  void aConnectionStringForAnotherAccountIsRefusedNamingBothAccounts() {
    String connectionString =
        "DefaultEndpointsProtocol=https;AccountName=other;AccountKey=" + KEY + ";";

    assertThatThrownBy(
            () ->
                open(
                    "azure://acct/backups",
                    Map.of(AzureBlobStoreProvider.CONNECTION_STRING, connectionString),
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot open repository azure://acct/backups: AZURE_STORAGE_CONNECTION_STRING is for"
                + " account other, not acct");
  }

  @Test
  void malformedCredentialsAreNamedButNeverShown() {
    String notAKey = "not base64 but a secret!";
    assertThatThrownBy(
            () ->
                open(
                    "azure://acct/backups",
                    Map.of(AzureBlobStoreProvider.ACCOUNT_KEY, notAKey),
                    "http://127.0.0.1:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot open repository azure://acct/backups: AZURE_STORAGE_KEY is not a base64 account"
                + " key");
    assertThatThrownBy(
            () ->
                open(
                    "azure://acct/backups",
                    Map.of(AzureBlobStoreProvider.CONNECTION_STRING, "AccountName=acct;" + notAKey),
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING")
        .hasMessageNotContaining(notAKey);
    assertThatThrownBy(
            () ->
                open(
                    "azure://acct/backups",
                    Map.of(AzureBlobStoreProvider.CONNECTION_STRING, "AccountName=acct;Foo=bar"),
                    null))
        .hasMessageContaining("has neither an AccountKey nor a SharedAccessSignature");
  }

  @Test
  void microsoftEntraIdIsNotOfferedOverPlainHttp() {
    assertThatThrownBy(() -> open("azure://acct/backups", Map.of(), "http://127.0.0.1:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot open repository azure://acct/backups: Microsoft Entra ID sign-in needs an https"
                + " endpoint; for an emulator set AZURE_STORAGE_CONNECTION_STRING");
  }

  @Test
  void anUnreachableServiceFailsAfterTheRetriesNamingTheRepository() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    assertThatThrownBy(
            () ->
                PROVIDER.open(
                    "azure://acct/backups",
                    new BlobStoreProvider.Context(
                        keyOnly(), Optional.of("http://127.0.0.1:" + closedPort), false),
                    AzureSettings.DEFAULT.withRetries(
                        2, Duration.ofMillis(10), Duration.ofMillis(20))))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(
            "Cannot open repository azure://acct/backups: no answer from the service after 2 tries (")
        .hasMessageNotContaining(KEY);
  }

  @Test
  void theConnectionStringShowsNoSecretWhenPrinted() {
    ConnectionString parsed =
        ConnectionString.parse(
            "AccountName=acct;AccountKey=" + KEY + ";SharedAccessSignature=sv=1&sig=abc",
            "VARIABLE");
    assertThat(parsed.toString()).doesNotContain(KEY).doesNotContain("sig=abc");
    assertThat(parsed.blobEndpoint()).contains("https://acct.blob.core.windows.net");
  }

  @Test
  void settingsRejectValuesTheServiceOrTheSdkCannotTake() {
    assertThatThrownBy(() -> AzureSettings.DEFAULT.withTryTimeout(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AzureSettings.DEFAULT.withListPageSize(5001))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AzureSettings.DEFAULT.withUploads(1024, 1024, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                AzureSettings.DEFAULT.withRetries(0, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Map<String, String> keyOnly() {
    return Map.of(AzureBlobStoreProvider.ACCOUNT_KEY, KEY);
  }

  private static void open(String url, Map<String, String> environment, String endpoint)
      throws IOException {
    PROVIDER
        .open(url, new BlobStoreProvider.Context(environment, Optional.ofNullable(endpoint), false))
        .close();
  }
}
