package dev.cairn.storage.azure;

import java.time.Duration;

/**
 * How an {@link AzureBlobStore} talks to the service: retries, timeouts and the shape of uploads.
 *
 * <p>Memory is bounded: an upload holds at most {@code uploadConcurrency} requests of {@code
 * blockSize} bytes in flight, on top of the caller's content.
 *
 * @param maxTries attempts per request, the first included; 429, 500 and 503 answers, timeouts and
 *     broken connections are retried with exponential backoff, waiting at least what the service
 *     asks for in {@code Retry-After} or {@code x-ms-retry-after-ms}
 * @param tryTimeout the limit for one attempt of one request (one block, one read), at least a
 *     second
 * @param retryDelay the first backoff delay; it doubles with each try (with jitter)
 * @param maxRetryDelay the longest backoff delay, and the most a {@code Retry-After} is honoured
 * @param blockSize the size of the blocks of a block upload
 * @param singleUploadLimit objects up to this size are uploaded with one request; larger ones are
 *     uploaded as blocks in parallel and committed with one block list
 * @param uploadConcurrency the most blocks of one object uploaded at once
 * @param listPageSize the most names asked for per listing page (the service caps it at 5000)
 */
public record AzureSettings(
    int maxTries,
    Duration tryTimeout,
    Duration retryDelay,
    Duration maxRetryDelay,
    int blockSize,
    int singleUploadLimit,
    int uploadConcurrency,
    int listPageSize) {

  /** Six tries, two minutes a try, 4 MiB blocks, four at a time. */
  public static final AzureSettings DEFAULT =
      new AzureSettings(
          6,
          Duration.ofMinutes(2),
          Duration.ofSeconds(1),
          Duration.ofSeconds(60),
          4 * 1024 * 1024,
          4 * 1024 * 1024,
          4,
          5000);

  /** Validates the values. */
  public AzureSettings {
    if (maxTries < 1) {
      throw new IllegalArgumentException("maxTries must be at least 1: " + maxTries);
    }
    requirePositive("tryTimeout", tryTimeout);
    if (tryTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("tryTimeout must be at least one second: " + tryTimeout);
    }
    requirePositive("retryDelay", retryDelay);
    requirePositive("maxRetryDelay", maxRetryDelay);
    if (maxRetryDelay.compareTo(retryDelay) < 0) {
      throw new IllegalArgumentException("maxRetryDelay must not be shorter than retryDelay");
    }
    if (blockSize < 64 * 1024 || blockSize > 100 * 1024 * 1024) {
      throw new IllegalArgumentException("blockSize must be 64 KiB to 100 MiB: " + blockSize);
    }
    if (singleUploadLimit < 1 || singleUploadLimit > 256 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "singleUploadLimit must be 1 byte to 256 MiB: " + singleUploadLimit);
    }
    if (uploadConcurrency < 1 || uploadConcurrency > 64) {
      throw new IllegalArgumentException("uploadConcurrency must be 1 to 64: " + uploadConcurrency);
    }
    if (listPageSize < 1 || listPageSize > 5000) {
      throw new IllegalArgumentException("listPageSize must be 1 to 5000: " + listPageSize);
    }
  }

  /** These settings with {@code maxTries} attempts and the given backoff delays. */
  public AzureSettings withRetries(int maxTries, Duration retryDelay, Duration maxRetryDelay) {
    return new AzureSettings(
        maxTries,
        tryTimeout,
        retryDelay,
        maxRetryDelay,
        blockSize,
        singleUploadLimit,
        uploadConcurrency,
        listPageSize);
  }

  /** These settings with another limit for one try of one request. */
  public AzureSettings withTryTimeout(Duration tryTimeout) {
    return new AzureSettings(
        maxTries,
        tryTimeout,
        retryDelay,
        maxRetryDelay,
        blockSize,
        singleUploadLimit,
        uploadConcurrency,
        listPageSize);
  }

  /** These settings with another upload shape. */
  public AzureSettings withUploads(int blockSize, int singleUploadLimit, int uploadConcurrency) {
    return new AzureSettings(
        maxTries,
        tryTimeout,
        retryDelay,
        maxRetryDelay,
        blockSize,
        singleUploadLimit,
        uploadConcurrency,
        listPageSize);
  }

  /** These settings with another listing page size. */
  public AzureSettings withListPageSize(int listPageSize) {
    return new AzureSettings(
        maxTries,
        tryTimeout,
        retryDelay,
        maxRetryDelay,
        blockSize,
        singleUploadLimit,
        uploadConcurrency,
        listPageSize);
  }

  private static void requirePositive(String what, Duration duration) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + duration);
    }
  }
}
