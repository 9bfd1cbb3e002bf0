package dev.cairn.storage.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Ceph cluster with a RADOS gateway, started by {@code scripts/start-ceph-rgw} in a
 * directory of its own and stopped by {@link #close()}: the one server here that enforces Object
 * Lock and versioning.
 */
final class CephRgw implements AutoCloseable {
  /** The keys {@code scripts/start-ceph-rgw} gives its S3 user. */
  static final String ACCESS_KEY = "cairn-test-access-key";

  static final String SECRET_KEY = "cairn-test-secret-key";

  private final Path script;
  private final Path directory;
  private final int port;

  private CephRgw(Path script, Path directory, int port) {
    this.script = script;
    this.directory = directory;
    this.port = port;
  }

  /** Starts a cluster; skips or fails the test (CI=true) if Ceph is not installed. */
  static CephRgw start() throws IOException, InterruptedException {
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

  Map<String, String> environment() {
    return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
  }

  /** The {@code s3://} URL of {@code bucketAndPrefix} on this gateway. */
  String url(String bucketAndPrefix) {
    return "s3://127.0.0.1:" + port + "/" + bucketAndPrefix;
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
