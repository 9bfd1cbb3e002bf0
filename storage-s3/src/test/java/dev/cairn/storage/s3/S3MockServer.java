package dev.cairn.storage.s3;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One S3Mock server (the Maven build copies its jar to {@code target/s3mock}) for the whole test
 * run, on free ports, stopped when the JVM exits. S3Mock checks no signatures and stores Object
 * Lock settings without enforcing them.
 */
public final class S3MockServer {
  private static S3MockServer shared;
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private final int port;

  private S3MockServer(int port) {
    this.port = port;
  }

  /** The running server, started on first use; skips or fails the test if S3Mock is missing. */
  public static synchronized S3MockServer shared() throws IOException, InterruptedException {
    if (shared == null) {
      shared = start();
    }
    return shared;
  }

  /** Any keys work: S3Mock does not check signatures. */
  public Map<String, String> environment() {
    return Map.of("AWS_ACCESS_KEY_ID", "s3mock-access", "AWS_SECRET_ACCESS_KEY", "s3mock-secret");
  }

  /** The {@code s3://} URL of {@code bucketAndPrefix} on this server. */
  public String url(String bucketAndPrefix) {
    return "s3://127.0.0.1:" + port + "/" + bucketAndPrefix;
  }

  int port() {
    return port;
  }

  /** A bucket name no test used before. */
  public static String newBucketName(String purpose) {
    return purpose + "-" + BUCKETS.incrementAndGet() + "-" + ProcessHandle.current().pid();
  }

  private static S3MockServer start() throws IOException, InterruptedException {
    String jar = System.getProperty("cairn.s3mock.jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw RequiredComponent.missing("S3Mock's jar (" + jar + ", copied by the Maven build)");
    }
    int port = freePort();
    int tlsPort = freePort();
    Path root = Files.createTempDirectory("cairn-s3mock");
    Path log = Path.of(jar).resolveSibling("s3mock-" + port + ".log");
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx384m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-jar",
                    jar,
                    "--http.port=" + port,
                    "--server.port=" + tlsPort,
                    "--server.address=127.0.0.1",
                    "--com.adobe.testing.s3mock.store.root=" + root,
                    "--com.adobe.testing.s3mock.max-payload-size=64MB",
                    "--spring.main.banner-mode=off",
                    "--logging.level.root=WARN"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  process.destroy();
                  try {
                    process.waitFor();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  deleteTree(root);
                }));
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest probe =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(5))
            .build();
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("Cannot start S3Mock: it exited, see " + log);
      }
      try {
        if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return new S3MockServer(port);
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    process.destroyForcibly();
    throw new IOException("Cannot start S3Mock: no answer on port " + port + ", see " + log);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temporary directory.
    }
  }
}
