package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.cli.CairnProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick start's main job: {@code cairn demo} works on a bare directory, with no setup. */
class DemoEndToEndTest {
  @TempDir Path directory;

  @Test
  void demoBacksUpListsRestoresAndVerifiesASampleDisk() throws Exception {
    Result result = CairnProcess.in(directory, null).run("demo", "--size-mib", "32");

    result.assertSuccess();
    assertThat(result.stdout())
        .contains("Full backup")
        .contains("incremental backup")
        .contains("identical to the disk, byte for byte")
        .contains("back through Cairn's NBD client: identical")
        .contains("check --read-data: no errors");
    Path repository = directory.resolve("cairn-demo/repo");
    assertThat(repository.resolve("config")).exists();
    assertThat(
            Files.mismatch(
                directory.resolve("cairn-demo/vm-disk.img"),
                directory.resolve("cairn-demo/restored.img")))
        .isEqualTo(-1);
    String password = Files.readString(directory.resolve("cairn-demo/password")).strip();
    Result points =
        CairnProcess.in(directory, password)
            .run("points", "--repo", repository.toString(), "--json");
    points.assertSuccess();
    assertThat(points.stdout()).contains("demo-vm");
  }

  @Test
  void demoRefusesToReuseADirectoryThatHoldsARepository() {
    CairnProcess.in(directory, null).run("demo", "--size-mib", "8").assertSuccess();

    CairnProcess.in(directory, null)
        .run("demo", "--size-mib", "8")
        .assertFailure(2, "already has a repository");
  }
}
