package dev.cairn.storage.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A single-node Ceph cluster with a RADOS gateway, started by {@code scripts/start-ceph-rgw} in a
 * directory of its own and stopped by {@link #close()}: the one server here that enforces Object
 * Lock and versioning. Public for the end-to-end tests of immutable repositories.
 */
public final class CephRgw implements AutoCloseable {
  /** The keys {@code scripts/start-ceph-rgw} gives its S3 user. */
  public static final String ACCESS_KEY = "cairn-test-access-key";

  public static final String SECRET_KEY = "cairn-test-secret-key";

  private final Path script;
  private final Path directory;
  private final int port;

  private CephRgw(Path script, Path directory, int port) {
    this.script = script;
    this.directory = directory;
    this.port = port;
  }

  /** Starts a cluster; skips or fails the test (CI=true) if Ceph is not installed. */
  public static CephRgw start() throws IOException, InterruptedException {
    Path script =
        Path.of(System.getProperty("cairn.repository.root", ".."))
            .resolve("scripts/start-ceph-rgw");
    if (!Files.isExecutable(Path.of("/usr/bin/radosgw")) || !Files.isExecutable(script)) {
      throw RequiredComponent.missing("Ceph RGW (scripts/install-ceph-rgw installs it)");
    }
    Path directory = Files.createTempDirectory("cairn-ceph");
    int port = freePortPair();
    CephRgw ceph = new CephRgw(script, directory, port);
    Process start =
        new ProcessBuilder(script.toString(), directory.toString(), Integer.toString(port))
            .redirectErrorStream(true)
            .start();
    String output = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!start.waitFor(3, TimeUnit.MINUTES) || start.exitValue() != 0) {
      ceph.close();
      throw new IOException("Cannot start Ceph RGW in " + directory + ": " + output.strip());
    }
    return ceph;
  }

  /** The AWS environment variables of the gateway's one user (the repository's credentials). */
  public Map<String, String> environment() {
    return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
  }

  /** The {@code s3://} URL of {@code bucketAndPrefix} on this gateway. */
  public String url(String bucketAndPrefix) {
    return "s3://127.0.0.1:" + port + "/" + bucketAndPrefix;
  }

  /**
   * A client with the same user's credentials, straight to the gateway: for setting up buckets, and
   * for tests that play someone who stole those credentials.
   */
  public S3Client client() throws IOException {
    return S3BlobStore.newClient(
        S3Location.parse(url("any"), Optional.empty()), environment(), S3Tuning.DEFAULTS);
  }

  /**
   * Creates {@code bucket} with Object Lock enabled (and so versioning), which only a bucket's
   * creation can do, and no default retention: each object carries its own.
   */
  public void createLockedBucket(String bucket) throws IOException {
    try (S3Client raw = client()) {
      raw.createBucket(b -> b.bucket(bucket).objectLockEnabledForBucket(true));
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    Process stop =
        new ProcessBuilder(List.of(script.toString(), "--stop", directory.toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    stop.waitFor(1, TimeUnit.MINUTES);
    S3MockServer.deleteTree(directory);
  }

  /** A free port whose successor (the monitor's) is free too. */
  private static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 20; attempt++) {
      int port = S3MockServer.freePort();
      try (var next = new java.net.ServerSocket(port + 1)) {
        return port;
      } catch (IOException e) {
        // Taken: try another.
      }
    }
    throw new IOException("Cannot find two free adjacent ports for Ceph RGW");
  }
}
