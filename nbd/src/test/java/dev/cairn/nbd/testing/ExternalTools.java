package dev.cairn.nbd.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the NBD and QEMU tools tests talk to. A missing tool fails the test when {@code CI=true} (CI
 * must provide it) and skips it otherwise.
 */
public final class ExternalTools {
  private ExternalTools() {}

  /** The outcome of a finished command. */
  public record Result(List<String> command, int status, String stdout, String stderr) {
    /** Fails unless the command exited with status 0; returns its standard output. */
    public String success() {
      if (status != 0) {
        fail(String.join(" ", command) + " exited with " + status + ": " + stderr + stdout);
      }
      return stdout;
    }
  }

  /** Skips the test (fails it in CI) unless every tool is on the PATH. */
  public static void require(String... tools) {
    List<String> missing = new ArrayList<>();
    for (String tool : tools) {
      if (!onPath(tool)) {
        missing.add(tool);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String message =
        "This test needs " + missing + " (Debian: qemu-utils qemu-system-x86 libnbd-bin)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + "; CI must provide it");
    }
    Assumptions.abort(message);
  }

  /** Runs {@code command} to its end; kills it and fails when it outlives {@code timeout}. */
  public static Result run(Duration timeout, String... command) {
    List<String> arguments = List.of(command);
    Process process = start(arguments);
    try {
      process.getOutputStream().close();
      CompletableFuture<String> stdout = drain(process.getInputStream());
      CompletableFuture<String> stderr = drain(process.getErrorStream());
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail(String.join(" ", arguments) + " did not finish within " + timeout);
      }
      return new Result(arguments, process.exitValue(), stdout.join(), stderr.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      process.destroyForcibly();
    }
  }

  /** Starts a long-running command whose output goes to {@code log}; the caller must kill it. */
  public static Process startLogged(Path log, String... command) {
    try {
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills a process started by a test and waits for it to be gone. */
  public static void kill(Process process) throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Process start(List<String> command) {
    try {
      return new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (stream) {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                text.completeExceptionally(e);
              }
            });
    return text;
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(File.pathSeparator)) {
      if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, tool))) {
        return true;
      }
    }
    return false;
  }
}
