package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.cli.CairnProcess.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Usage: every command explains itself, and a missing command is a usage error. */
class HelpEndToEndTest {
  @TempDir Path directory;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "init",
        "backup",
        "points",
        "restore",
        "export",
        "copy",
        "check",
        "forget",
        "prune",
        "archive",
        "rehydrate",
        "key",
        "key add",
        "key passwd",
        "key remove",
        "key list",
        "unlock",
        "repair-index",
        "recover-versions",
        "audit",
        "vsphere",
        "vsphere inventory"
      })
  void helpOfEachCommandExitsZero(String command) {
    String[] words = command.isEmpty() ? new String[0] : command.split(" ");
    String[] args = java.util.Arrays.copyOf(words, words.length + 1);
    args[words.length] = "--help";

    Result result = CairnProcess.in(directory, null).run(args);

    result.assertSuccess();
    assertThat(result.stdout()).contains(("Usage: cairn " + command).strip());
    assertThat(result.stderr()).isEmpty();
  }

  @Test
  void noCommandIsAUsageError() {
    Result result = CairnProcess.in(directory, null).run();

    assertThat(result.exitCode()).as("%s", result).isEqualTo(2);
    assertThat(result.stderr()).contains("Missing a command").contains("Usage: cairn");
    assertThat(result.stdout()).isEmpty();
  }

  @Test
  void anUnknownCommandIsAUsageError() {
    Result result = CairnProcess.in(directory, null).run("frobnicate");

    assertThat(result.exitCode()).as("%s", result).isEqualTo(2);
    assertThat(result.stderr()).contains("frobnicate");
  }
}
