package dev.cairn.storage.azure;

import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.storage.BlobStoreProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Azurite blob service for one test class: started on a free port with its data in a
 * temporary directory, an account of its own with a random key (so no well-known key is in the
 * tests), and killed on {@link #close()}.
 *
 * <p>Found as {@code $CAIRN_AZURITE}, {@code azurite-blob} on the PATH or in {@code ~/.local/bin}
 * ({@code scripts/install-azurite} installs it). When missing, tests fail if {@code CI=true} and
 * are skipped otherwise.
 */
public final class Azurite implements AutoCloseable {
  public static final String ACCOUNT = "cairntest";

  private static final AtomicInteger CONTAINERS = new AtomicInteger();

  private final Process process;
  private final int port;
  private final String key;

  private Azurite(Process process, int port, String key) {
    this.process = process;
    this.port = port;
    this.key = key;
  }

  /** Starts Azurite with its data in {@code location}, or skips or fails the test class. */
  public static Azurite start(Path location) throws IOException, InterruptedException {
    Path executable = executable();
    byte[] keyBytes = new byte[64];
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < keyBytes.length; i++) {
      keyBytes[i] = (byte) random.nextInt(256);
    }
    String key = Base64.getEncoder().encodeToString(keyBytes);
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      ProcessBuilder builder =
          new ProcessBuilder(
                  executable.toString(),
                  "--blobHost",
                  "127.0.0.1",
                  "--blobPort",
                  String.valueOf(port),
                  "--location",
                  location.toString(),
                  "--disableTelemetry",
                  "--skipApiVersionCheck",
                  "--silent")
              .redirectErrorStream(true);
      builder.environment().put("AZURITE_ACCOUNTS", ACCOUNT + ":" + key);
      Process process = builder.start();
      BufferedReader output =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      String line;
      while ((line = output.readLine()) != null) {
        lines.add(line);
        if (line.contains("successfully listens")) {
          drain(output);
          return new Azurite(process, port, key);
        }
      }
      process.waitFor(10, TimeUnit.SECONDS);
      last = new IOException("Cannot start Azurite on port " + port + ": " + lines);
    }
    throw last;
  }

  /** The Azurite executable, or skips the test (fails it when CI=true) if there is none. */
  static Path executable() {
    Optional<Path> found = find();
    if (found.isEmpty()) {
      String message = "Azurite is not installed: run scripts/install-azurite";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    return found.get();
  }

  private static Optional<Path> find() {
    String configured = System.getenv("CAIRN_AZURITE");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    List<Path> candidates = new ArrayList<>();
    for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!directory.isEmpty()) {
        candidates.add(Path.of(directory, "azurite-blob"));
      }
    }
    candidates.add(Path.of(System.getProperty("user.home"), ".local", "bin", "azurite-blob"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  private static void drain(BufferedReader output) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                while (output.readLine() != null) {
                  // keep the pipe from filling up
                }
              } catch (IOException ignored) {
                // Azurite stopped
              }
            });
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  /** The account key, for tests that build their own credentials. */
  String key() {
    return key;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port + "/" + ACCOUNT;
  }

  public String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName="
        + ACCOUNT
        + ";AccountKey="
        + key
        + ";BlobEndpoint="
        + endpoint()
        + ";";
  }

  /** Credentials for the Azurite account, as a provider reads them. */
  Map<String, String> environment() {
    return Map.of(AzureBlobStoreProvider.CONNECTION_STRING, connectionString());
  }

  /** A container name no other test used. */
  public static String newContainerName() {
    return "test-" + CONTAINERS.incrementAndGet() + "-" + ProcessHandle.current().pid();
  }

  /** Opens a store in a new, empty container. */
  AzureBlobStore newStore(AzureSettings settings) throws IOException {
    return open("azure://" + ACCOUNT + "/" + newContainerName(), settings, true);
  }

  AzureBlobStore open(String url, AzureSettings settings, boolean create) throws IOException {
    return new AzureBlobStoreProvider()
        .open(
            url, new BlobStoreProvider.Context(environment(), Optional.empty(), create), settings);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
