package dev.cairn.storage.azure;

import com.azure.core.credential.AzureSasCredential;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.core.util.ConfigurationSource;
import com.azure.core.util.HttpClientOptions;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreProvider;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Opens {@link AzureBlobStore}s by URL: {@code azure://ACCOUNT/CONTAINER[/PREFIX]}.
 *
 * <p>Credentials, from {@link Context#environment()}, first match wins:
 *
 * <ol>
 *   <li>{@code AZURE_STORAGE_CONNECTION_STRING}: an account key or SAS, and the endpoint in {@code
 *       BlobEndpoint} (this is how an emulator such as Azurite is reached);
 *   <li>{@code AZURE_STORAGE_KEY}: the account key of the URL's account;
 *   <li>{@code AZURE_STORAGE_SAS_TOKEN}: a shared access signature (with or without the leading
 *       {@code ?});
 *   <li>otherwise Microsoft Entra ID through {@code DefaultAzureCredential}: a service principal
 *       ({@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_SECRET}), workload
 *       or managed identity, or a developer sign-in.
 * </ol>
 *
 * <p>The endpoint is {@link Context#endpoint()}, else the connection string's, else {@code
 * https://ACCOUNT.blob.core.windows.net}. Plain {@code http} is refused except on 127.0.0.1, ::1
 * and localhost (emulators); a bare loopback endpoint gets the account as its path, the emulator
 * convention.
 *
 * <p>Opening checks that the container exists (by listing one name, which the store needs the right
 * to do anyway); with {@link Context#create()} a missing container is created.
 */
public final class AzureBlobStoreProvider implements BlobStoreProvider {
  /** Environment variable with a connection string. */
  public static final String CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";

  /** Environment variable with the account key (base64) of the URL's account. */
  public static final String ACCOUNT_KEY = "AZURE_STORAGE_KEY";

  /** Environment variable with a SAS token. */
  public static final String SAS_TOKEN = "AZURE_STORAGE_SAS_TOKEN";

  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

  /** One connection pool for every store of this process, created when first needed. */
  private static final class SharedHttpClient {
    static final HttpClient INSTANCE =
        HttpClient.createDefault(
            new HttpClientOptions()
                .setConnectTimeout(Duration.ofSeconds(15))
                .setConnectionIdleTimeout(Duration.ofSeconds(50)));
  }

  /** Used by {@link java.util.ServiceLoader}. */
  public AzureBlobStoreProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of(AzureLocation.SCHEME);
  }

  @Override
  public BlobStore open(String location, Context context) throws IOException {
    return open(location, context, AzureSettings.DEFAULT);
  }

  /**
   * Opens the store at {@code location} with {@code settings} instead of {@link
   * AzureSettings#DEFAULT}.
   *
   * @throws IllegalArgumentException naming the URL or setting that is malformed (never a secret)
   * @throws IOException "Cannot open repository azure://...: REASON" when the container is missing,
   *     the credentials are refused or the service cannot be reached
   */
  public AzureBlobStore open(String location, Context context, AzureSettings settings)
      throws IOException {
    AzureLocation where = AzureLocation.parse(location);
    Map<String, String> environment = context.environment();
    String action = "open repository " + where;

    Optional<ConnectionString> connectionString =
        nonBlank(environment.get(CONNECTION_STRING))
            .map(text -> ConnectionString.parse(text, invalid(where, CONNECTION_STRING)));
    connectionString
        .flatMap(ConnectionString::accountName)
        .filter(account -> !account.equals(where.account()))
        .ifPresent(
            account -> {
              throw new IllegalArgumentException(
                  "Cannot "
                      + action
                      + ": "
                      + CONNECTION_STRING
                      + " is for account "
                      + account
                      + ", not "
                      + where.account());
            });

    String endpoint =
        context
            .endpoint()
            .or(() -> connectionString.flatMap(ConnectionString::blobEndpoint))
            .orElse("https://" + where.account() + ".blob.core.windows.net");
    URI uri = checkEndpoint(endpoint, where, action);

    BlobContainerClientBuilder builder =
        new BlobContainerClientBuilder()
            .endpoint(uri.toString())
            .containerName(where.container())
            .httpClient(SharedHttpClient.INSTANCE)
            .retryOptions(
                new RequestRetryOptions(
                    RetryPolicyType.EXPONENTIAL,
                    settings.maxTries(),
                    settings.tryTimeout(),
                    settings.retryDelay(),
                    settings.maxRetryDelay(),
                    null))
            .addPolicy(new RetryAfterPolicy(settings.maxTries(), settings.maxRetryDelay()));
    authenticate(builder, where, action, uri, environment, connectionString);
    BlobContainerClient container = builder.buildClient();

    try {
      if (!containerExists(container, where)) {
        if (!context.create()) {
          throw new IOException(
              "Cannot " + action + ": container " + where.container() + " does not exist");
        }
        container.createIfNotExists();
      }
    } catch (RuntimeException e) {
      throw AzureBlobStore.failure(where, settings, action, e);
    }
    return new AzureBlobStore(container, where, settings);
  }

  private static void authenticate(
      BlobContainerClientBuilder builder,
      AzureLocation where,
      String action,
      URI endpoint,
      Map<String, String> environment,
      Optional<ConnectionString> connectionString) {
    if (connectionString.isPresent()) {
      ConnectionString parts = connectionString.get();
      if (parts.accountKey().isPresent()) {
        builder.credential(
            sharedKey(where, parts.accountKey().get(), CONNECTION_STRING + " AccountKey", action));
      } else {
        builder.credential(sas(parts.sasToken().orElseThrow()));
      }
      return;
    }
    Optional<String> key = nonBlank(environment.get(ACCOUNT_KEY));
    if (key.isPresent()) {
      builder.credential(sharedKey(where, key.get(), ACCOUNT_KEY, action));
      return;
    }
    Optional<String> sas = nonBlank(environment.get(SAS_TOKEN));
    if (sas.isPresent()) {
      builder.credential(sas(sas.get()));
      return;
    }
    if (!"https".equals(endpoint.getScheme())) {
      throw new IllegalArgumentException(
          "Cannot "
              + action
              + ": Microsoft Entra ID sign-in needs an https endpoint; for an emulator set "
              + CONNECTION_STRING);
    }
    builder.credential(entraId(environment));
  }

  private static TokenCredential entraId(Map<String, String> environment) {
    ConfigurationSource none = path -> Map.of();
    ConfigurationSource variables =
        path ->
            path == null
                ? environment
                : environment.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(path))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    Configuration configuration = new ConfigurationBuilder(none, none, variables).build();
    return new DefaultAzureCredentialBuilder().configuration(configuration).build();
  }

  private static StorageSharedKeyCredential sharedKey(
      AzureLocation where, String key, String variable, String action) {
    try {
      if (Base64.getDecoder().decode(key.trim()).length == 0) {
        throw new IllegalArgumentException("empty");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot " + action + ": " + variable + " is not a base64 account key");
    }
    return new StorageSharedKeyCredential(where.account(), key.trim());
  }

  private static AzureSasCredential sas(String token) {
    String trimmed = token.trim();
    return new AzureSasCredential(trimmed.startsWith("?") ? trimmed.substring(1) : trimmed);
  }

  /** Whether the container exists, found by listing at most one name under the prefix. */
  private static boolean containerExists(BlobContainerClient container, AzureLocation where) {
    ListBlobsOptions one =
        new ListBlobsOptions().setPrefix(where.blobPrefix()).setMaxResultsPerPage(1);
    try {
      container.listBlobs(one, null).iterableByPage().iterator().next();
      return true;
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 404
          && (e.getErrorCode() == null
              || BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode()))) {
        return false;
      }
      throw e;
    }
  }

  /**
   * The endpoint as a URI: https, or http on a loopback address; no user, query or fragment. A bare
   * loopback endpoint gets "/ACCOUNT" as its path (emulators serve accounts by path).
   */
  static URI checkEndpoint(String endpoint, AzureLocation where, String action) {
    URI uri;
    try {
      uri = new URI(endpoint.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Cannot " + action + ": the endpoint is not a URL");
    }
    String shown =
        uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    if (uri.getScheme() == null || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "Cannot " + action + ": the endpoint must be an http(s) URL with a host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "Cannot "
              + action
              + ": the endpoint "
              + shown
              + " must not carry a user, a query or a fragment; put a SAS token in "
              + SAS_TOKEN);
    }
    String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    boolean loopback = LOOPBACK.contains(uri.getHost().toLowerCase(java.util.Locale.ROOT));
    if (scheme.equals("http") && !loopback) {
      throw new IllegalArgumentException(
          "Cannot "
              + action
              + ": the endpoint "
              + shown
              + " is plain http; only https is allowed, except for an emulator on 127.0.0.1 or"
              + " localhost");
    }
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "Cannot " + action + ": the endpoint " + shown + " is not an http(s) URL");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (loopback && (path.isEmpty() || path.equals("/"))) {
      return URI.create(shown + "/" + where.account());
    }
    return uri;
  }

  private static String invalid(AzureLocation where, String variable) {
    return "Cannot open repository " + where + ": " + variable;
  }

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }
}
