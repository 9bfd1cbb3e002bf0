package dev.cairn.storage.s3;

import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.ArchivingBlobStoreContractTest;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The archive contract through the real AWS SDK against {@link FakeS3Endpoint}, which keeps storage
 * classes, answers GETs of GLACIER objects with 403 InvalidObjectState and completes restores when
 * told to: on an unversioned bucket here, on a versioned one in the subclass.
 */
class S3ArchiveContractTest extends ArchivingBlobStoreContractTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  static FakeS3Endpoint endpoint;

  /** The bucket of the current test. */
  String bucket;

  @BeforeAll
  static void startEndpoint() throws IOException {
    endpoint = FakeS3Endpoint.start();
  }

  @AfterAll
  static void stopEndpoint() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  /** Whether the bucket of each test keeps versions. */
  boolean versioned() {
    return false;
  }

  @Override
  protected ArchivingBlobStore newStore() throws IOException {
    bucket = "archive-" + BUCKETS.incrementAndGet();
    endpoint.createBucket(bucket, versioned(), false);
    return open(endpoint, bucket + "/vms", Map.of());
  }

  @Override
  protected void awaitRehydration(String name) {
    endpoint.completeRestores();
  }

  /** A store on {@code bucketAndPrefix} of {@code endpoint}, opened as the CLI opens one. */
  static S3BlobStore open(
      FakeS3Endpoint endpoint, String bucketAndPrefix, Map<String, String> settings)
      throws IOException {
    Map<String, String> environment = new HashMap<>(endpoint.environment());
    environment.putAll(settings);
    S3Tuning tuning =
        S3Tuning.DEFAULTS
            .withRetries(3, Duration.ofMillis(1), Duration.ofMillis(10))
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));
    return S3BlobStore.open(
        S3Location.parse(endpoint.url(bucketAndPrefix), Optional.empty()),
        environment,
        tuning,
        false);
  }
}
