package dev.cairn.storage.s3;

import dev.cairn.storage.BlobStoreProvider;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Opens {@code s3://[HOST:PORT/]BUCKET[/PREFIX]} locations (see {@link S3Location} for the rule
 * that tells an endpoint from a bucket) as {@link S3BlobStore}s.
 *
 * <p>The endpoint is, in this order: the URL's, {@link Context#endpoint()}, {@code
 * AWS_ENDPOINT_URL_S3}, {@code AWS_ENDPOINT_URL}, else AWS's own for the region. A custom endpoint
 * is addressed path-style ({@code http://HOST:PORT/BUCKET/KEY}) and defaults to region us-east-1.
 * Plain http is accepted for any explicit endpoint, with a warning unless the host is this machine.
 * With {@link Context#create()} a missing bucket is created; otherwise opening fails with "Cannot
 * open repository LOCATION: bucket BUCKET does not exist". {@code CAIRN_S3_ARCHIVE_CLASS} ({@code
 * GLACIER} or {@code DEEP_ARCHIVE}) chooses where the archive tier moves objects ({@link
 * S3BlobStore#ARCHIVE_CLASS_VARIABLE}).
 */
public final class S3BlobStoreProvider implements BlobStoreProvider {
  private static final System.Logger LOG = System.getLogger(S3BlobStoreProvider.class.getName());

  private final S3Tuning tuning;

  /** The provider {@link java.util.ServiceLoader} finds, with {@link S3Tuning#DEFAULTS}. */
  public S3BlobStoreProvider() {
    this(S3Tuning.DEFAULTS);
  }

  /** A provider whose stores use {@code tuning}. */
  public S3BlobStoreProvider(S3Tuning tuning) {
    this.tuning = tuning;
  }

  @Override
  public Set<String> schemes() {
    return Set.of("s3");
  }

  @Override
  public S3BlobStore open(String location, Context context) throws IOException {
    S3Location parsed = S3Location.parse(location, explicitEndpoint(context));
    parsed
        .endpoint()
        .filter(e -> e.getScheme().equals("http") && !S3Location.isLoopback(e.getHost()))
        .ifPresent(
            e ->
                LOG.log(
                    System.Logger.Level.WARNING,
                    "Repository {0} is reached over plain http: requests are signed but not"
                        + " encrypted in transit",
                    parsed));
    return S3BlobStore.open(parsed, context.environment(), tuning, context.create());
  }

  private static Optional<String> explicitEndpoint(Context context) {
    Map<String, String> environment = context.environment();
    return context
        .endpoint()
        .filter(e -> !e.isBlank())
        .or(() -> Optional.ofNullable(environment.get("AWS_ENDPOINT_URL_S3")))
        .filter(e -> !e.isBlank())
        .or(() -> Optional.ofNullable(environment.get("AWS_ENDPOINT_URL")))
        .filter(e -> !e.isBlank());
  }
}
