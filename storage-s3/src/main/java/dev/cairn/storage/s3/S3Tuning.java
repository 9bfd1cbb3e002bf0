package dev.cairn.storage.s3;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How an {@link S3BlobStore} talks to its server: upload sizes, parallelism, retries and timeouts.
 * {@link #DEFAULTS} suits AWS and S3-compatible servers alike; tests shrink pages, parts and
 * delays.
 *
 * @param multipartThreshold objects larger than this are uploaded in parts; smaller ones in one
 *     request
 * @param partSize the size of each part but the last (S3 requires at least 5 MiB)
 * @param partConcurrency how many parts of one object are uploaded at once; with parts being slices
 *     of the caller's buffer, an upload holds no more memory than the object itself
 * @param listPageSize keys asked for per listing request (S3 answers at most 1000)
 * @param maxAttempts attempts per request, the first included, on throttling (503 SlowDown), 5xx
 *     and connection errors; the SDK's standard strategy backs off exponentially with jitter
 * @param baseDelay the first retry delay, doubled per attempt
 * @param maxBackoff the longest retry delay
 * @param connectTimeout how long to wait for a TCP/TLS connection
 * @param socketTimeout how long a read may wait for the server's next bytes
 * @param attemptTimeout the longest one attempt of one request may take, upload included
 * @param maxConnections the size of the connection pool
 * @param contentMd5 whether uploads carry a Content-MD5, so the server verifies the bytes it got
 *     (required anyway by S3 on buckets with Object Lock)
 * @param createGuarantee how creates are made exclusive; empty to find out by probing the bucket
 *     when the store is opened (see {@link S3BlobStore.CreateGuarantee})
 */
public record S3Tuning(
    long multipartThreshold,
    int partSize,
    int partConcurrency,
    int listPageSize,
    int maxAttempts,
    Duration baseDelay,
    Duration maxBackoff,
    Duration connectTimeout,
    Duration socketTimeout,
    Duration attemptTimeout,
    int maxConnections,
    boolean contentMd5,
    Optional<S3BlobStore.CreateGuarantee> createGuarantee) {

  private static final int MIB = 1024 * 1024;

  /**
   * 32 MiB single-request limit (Cairn packs, ~16 MiB, go in one request), 8 MiB parts, 4 at once.
   */
  public static final S3Tuning DEFAULTS =
      new S3Tuning(
          32L * MIB,
          8 * MIB,
          4,
          1000,
          8,
          Duration.ofMillis(200),
          Duration.ofSeconds(20),
          Duration.ofSeconds(10),
          Duration.ofSeconds(60),
          Duration.ofMinutes(5),
          32,
          true,
          Optional.empty());

  public S3Tuning {
    if (partSize < 1 || multipartThreshold < partSize) {
      throw new IllegalArgumentException(
          "Invalid S3 tuning: part size " + partSize + ", threshold " + multipartThreshold);
    }
    if (partConcurrency < 1 || listPageSize < 1 || listPageSize > 1000 || maxAttempts < 1) {
      throw new IllegalArgumentException("Invalid S3 tuning: counts must be positive");
    }
    if (maxConnections < partConcurrency) {
      throw new IllegalArgumentException(
          "Invalid S3 tuning: fewer connections than parallel parts");
    }
    Objects.requireNonNull(baseDelay);
    Objects.requireNonNull(maxBackoff);
    Objects.requireNonNull(connectTimeout);
    Objects.requireNonNull(socketTimeout);
    Objects.requireNonNull(attemptTimeout);
    Objects.requireNonNull(createGuarantee);
  }

  /** These settings with other multipart limits. */
  public S3Tuning withMultipart(long threshold, int partSize, int partConcurrency) {
    return new S3Tuning(
        threshold,
        partSize,
        partConcurrency,
        listPageSize,
        maxAttempts,
        baseDelay,
        maxBackoff,
        connectTimeout,
        socketTimeout,
        attemptTimeout,
        maxConnections,
        contentMd5,
        createGuarantee);
  }

  /** These settings with another listing page size. */
  public S3Tuning withListPageSize(int pageSize) {
    return new S3Tuning(
        multipartThreshold,
        partSize,
        partConcurrency,
        pageSize,
        maxAttempts,
        baseDelay,
        maxBackoff,
        connectTimeout,
        socketTimeout,
        attemptTimeout,
        maxConnections,
        contentMd5,
        createGuarantee);
  }

  /** These settings with another retry policy. */
  public S3Tuning withRetries(int maxAttempts, Duration baseDelay, Duration maxBackoff) {
    return new S3Tuning(
        multipartThreshold,
        partSize,
        partConcurrency,
        listPageSize,
        maxAttempts,
        baseDelay,
        maxBackoff,
        connectTimeout,
        socketTimeout,
        attemptTimeout,
        maxConnections,
        contentMd5,
        createGuarantee);
  }

  /** These settings with other timeouts. */
  public S3Tuning withTimeouts(Duration connect, Duration socket, Duration attempt) {
    return new S3Tuning(
        multipartThreshold,
        partSize,
        partConcurrency,
        listPageSize,
        maxAttempts,
        baseDelay,
        maxBackoff,
        connect,
        socket,
        attempt,
        maxConnections,
        contentMd5,
        createGuarantee);
  }

  /** These settings with a known create guarantee instead of a probe at open. */
  public S3Tuning withCreateGuarantee(S3BlobStore.CreateGuarantee guarantee) {
    return new S3Tuning(
        multipartThreshold,
        partSize,
        partConcurrency,
        listPageSize,
        maxAttempts,
        baseDelay,
        maxBackoff,
        connectTimeout,
        socketTimeout,
        attemptTimeout,
        maxConnections,
        contentMd5,
        Optional.of(guarantee));
  }
}
