package dev.cairn.nbd.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs the tests run (qemu-nbd, nbdkit, nbdinfo, openssl...). A missing program fails
 * the test when {@code CI=true} and skips it otherwise, so that a developer without QEMU can still
 * build while CI can never pass by skipping.
 */
public final class ExternalTool {
  private static final long RUN_LIMIT_SECONDS = 120;

  private ExternalTool() {}

  /** The program's path on PATH; aborts or fails the test (see class comment) if it is absent. */
  public static Path require(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(File.pathSeparator)) {
      Path candidate = Path.of(directory, program);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String message = "Cannot run this test: '" + program + "' is not installed";
    if ("true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true, so this is a failure; see scripts/install-test-deps)");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  /** Runs a program to completion and returns its standard output; fails on a non-zero exit. */
  public static String run(List<String> command) throws IOException, InterruptedException {
    require(command.getFirst());
    Path output = Files.createTempFile("cairn-nbd-tool", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        fail("Cannot run " + command + ": still running after " + RUN_LIMIT_SECONDS + " s");
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        fail("Cannot run " + command + ": exit " + process.exitValue() + "\n" + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(output);
    }
  }

  public static String run(String... command) throws IOException, InterruptedException {
    return run(List.of(command));
  }
}
