package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the QEMU and libnbd tools the end-to-end tests check Cairn against (qemu-img, qemu-io,
 * qemu-nbd, nbdkit, nbdcopy, nbdinfo). A missing tool fails the test under CI=true and skips it
 * otherwise. Servers are started on Unix sockets in the test's directory and stopped by {@link
 * Server#close()}.
 */
final class QemuTools {
  private QemuTools() {}

  /** Fails (CI) or skips (elsewhere) unless every tool is on the PATH. */
  static void require(String... tools) {
    for (String tool : tools) {
      boolean found =
          Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
              .anyMatch(directory -> Files.isExecutable(Path.of(directory, tool)));
      if ("true".equals(System.getenv("CI"))) {
        assertThat(found).as("%s is needed (scripts/install-test-deps installs it)", tool).isTrue();
      } else {
        assumeTrue(found, tool + " is not installed (scripts/install-test-deps installs it)");
      }
    }
  }

  /** Runs a tool to completion, asserts exit status 0 and returns its standard output. */
  static String run(Path directory, String... command) {
    ProcessResult result = runAllowingFailure(directory, command);
    assertThat(result.exitCode())
        .as("%s failed: %s", String.join(" ", command), result.output())
        .isZero();
    return result.output();
  }

  record ProcessResult(int exitCode, String output) {}

  static ProcessResult runAllowingFailure(Path directory, String... command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not end");
      }
      return new ProcessResult(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A background server (qemu-nbd, nbdkit) that is killed on close. */
  static final class Server implements AutoCloseable {
    private final Process process;
    private final Path log;
    final String url;

    private Server(Process process, Path log, String url) {
      this.process = process;
      this.log = log;
      this.url = url;
    }

    /** Stops the server and waits until it has exited (so its image lock is released). */
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }

    void kill() throws InterruptedException {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    String log() throws IOException {
      return Files.readString(log);
    }
  }

  /**
   * Starts {@code qemu-nbd} serving {@code image} as export {@code name} on a new Unix socket in
   * {@code directory}, with {@code options} (e.g. {@code -r}, {@code -f qcow2}, {@code -B bm0}),
   * and waits until it accepts connections.
   */
  static Server qemuNbd(Path directory, Path image, String name, String... options)
      throws IOException, InterruptedException {
    Path socket = directory.resolve(name + "-" + System.nanoTime() % 100000 + ".sock");
    List<String> command =
        new ArrayList<>(List.of("qemu-nbd", "-k", socket.toString(), "-x", name, "-e", "8", "-t"));
    command.addAll(Arrays.asList(options));
    command.add(image.toString());
    return startOnSocket(directory, command, socket, "nbd+unix:///" + name + "?socket=" + socket);
  }

  /** Starts {@code nbdkit --exit-with-parent ARGS} on a new Unix socket in {@code directory}. */
  static Server nbdkit(Path directory, String... arguments)
      throws IOException, InterruptedException {
    Path socket = directory.resolve("nbdkit-" + System.nanoTime() % 100000 + ".sock");
    List<String> command =
        new ArrayList<>(List.of("nbdkit", "-f", "--exit-with-parent", "-U", socket.toString()));
    command.addAll(Arrays.asList(arguments));
    return startOnSocket(directory, command, socket, "nbd+unix:///?socket=" + socket);
  }

  private static Server startOnSocket(Path directory, List<String> command, Path socket, String url)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(directory, "server-", ".log");
    Process process =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.exists(socket)) {
      if (!process.isAlive()) {
        throw new AssertionError(
            String.join(" ", command) + " exited at start: " + Files.readString(log));
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not create " + socket);
      }
      Thread.sleep(20);
    }
    return new Server(process, log, url);
  }

  /** A TCP port that was free a moment ago. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Waits until something accepts TCP connections on {@code port} of the loopback address. */
  static void awaitListening(int port, CairnProcess.Running process) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(
            new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1000);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new AssertionError("cairn exited before listening: " + process.kill());
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("nothing listens on port " + port + ": " + process.kill());
  }
}
