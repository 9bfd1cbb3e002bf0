package dev.cairn.qemu.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The external programs the tests run. Missing ones skip a test locally and fail it in CI ({@code
 * CI=true}), where scripts/install-test-deps must have installed them.
 */
public final class ExternalTools {
  private ExternalTools() {}

  /** Skips (locally) or fails (CI) unless every tool is on the PATH. */
  public static void require(String... tools) {
    List<String> missing = Arrays.stream(tools).filter(t -> find(t) == null).toList();
    if (missing.isEmpty()) {
      return;
    }
    String message =
        "This test needs " + missing + " (Debian: qemu-utils qemu-system-x86 libnbd-bin)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + "; CI must provide it");
    }
    org.junit.jupiter.api.Assumptions.abort(message);
  }

  private static Path find(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
