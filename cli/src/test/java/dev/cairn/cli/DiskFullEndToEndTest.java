package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's file system fills up during a backup: the backup fails with exit status 8 and a
 * message naming the object and the cause, and the repository stays sound. Needs root and {@code
 * mount} for a small tmpfs; without them the test is skipped locally and fails in CI.
 */
class DiskFullEndToEndTest {
  @TempDir Path directory;
  private Path mountPoint;
  private boolean mounted;

  @BeforeEach
  void mountSmallFileSystem() throws Exception {
    mountPoint = Files.createDirectory(directory.resolve("small-fs"));
    String missing = null;
    Command uid = Command.run(List.of("id", "-u"));
    if (uid.status() != 0 || !uid.output().strip().equals("0")) {
      missing = "root (uid 0; this is uid " + uid.output().strip() + ")";
    } else {
      Command mount =
          Command.run(
              List.of("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mountPoint.toString()));
      mounted = mount.status() == 0;
      if (!mounted) {
        missing = "a working 'mount -t tmpfs' (" + mount.output().strip() + ")";
      }
    }
    if (missing != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("The disk-full test needs " + missing + "; CI must provide it");
      }
      Assumptions.abort("The disk-full test needs " + missing);
    }
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted) {
      Command umount = Command.run(List.of("umount", mountPoint.toString()));
      if (umount.status() != 0) {
        umount = Command.run(List.of("umount", "-l", mountPoint.toString()));
      }
      assertThat(umount.status()).as("umount: %s", umount.output()).isZero();
    }
  }

  @Test
  void aBackupThatFillsTheRepositoryFailsAndLeavesItSound() throws IOException {
    CairnRepository repository =
        CairnRepository.init(
            CairnProcess.in(directory, "disk full password"), mountPoint.resolve("repo"));
    Path small = TestImages.mixed(directory.resolve("small.img"), 2L * TestImages.MIB + 3, 31);
    String earlier = repository.backup("small-vm", small).path("id").asText();
    Path large = TestImages.random(directory.resolve("large.img"), 64L * TestImages.MIB, 32);

    String message =
        repository
            .with(repository.cairn().withFullJit())
            .run("backup", "--vm", "large-vm", "--disk", large.toString())
            .assertFailure(8, "No space left", repository.path().toString());
    assertThat(message).containsPattern("(packs|index|points)/[0-9a-f/]+");

    assertThat(repository.pointIds()).containsExactly(earlier);
    repository.assertCheckPasses();
    repository.assertRestores(earlier, small);
    assertThat(TestImages.filesUnder(repository.path().resolve("locks"))).isEmpty();
  }

  private record Command(int status, String output) {
    static Command run(List<String> command) throws IOException, InterruptedException {
      Process process;
      try {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
      } catch (IOException e) {
        return new Command(-1, "cannot run " + command.getFirst() + ": " + e.getMessage());
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(1, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        return new Command(-1, command + " did not end");
      }
      return new Command(process.exitValue(), output);
    }
  }
}
