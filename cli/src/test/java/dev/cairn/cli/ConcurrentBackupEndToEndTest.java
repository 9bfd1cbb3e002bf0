package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.cli.CairnProcess.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two backup processes into one repository at the same time both commit sound points. */
class ConcurrentBackupEndToEndTest {
  private static final long IMAGE_SIZE = 40L * TestImages.MIB + 1_000;

  @TempDir Path directory;

  @Test
  void twoBackupsAtOnceBothSucceedAndRestore() throws IOException {
    CairnRepository repository =
        CairnRepository.init(
            CairnProcess.in(directory, "concurrent password").withFullJit(),
            directory.resolve("repo"));
    Path alpha = TestImages.random(directory.resolve("alpha.img"), IMAGE_SIZE, 21);
    // beta shares its first half with alpha, so both processes store the same chunks at once
    Path beta = Files.copy(alpha, directory.resolve("beta.img"));
    for (long offset = IMAGE_SIZE / 2; offset < IMAGE_SIZE; offset += TestImages.MIB) {
      TestImages.scribble(
          beta, offset, (int) Math.min(TestImages.MIB, IMAGE_SIZE - offset), offset);
    }

    CairnProcess.Running first =
        repository.start("backup", "--vm", "alpha", "--disk", alpha.toString(), "--json");
    CairnProcess.Running second =
        repository.start("backup", "--vm", "beta", "--disk", beta.toString(), "--json");
    Result firstResult = first.await(CairnProcess.DEFAULT_TIMEOUT).assertSuccess();
    Result secondResult = second.await(CairnProcess.DEFAULT_TIMEOUT).assertSuccess();

    String alphaPoint = firstResult.json().path("id").asText();
    String betaPoint = secondResult.json().path("id").asText();
    assertThat(repository.pointIds()).containsExactlyInAnyOrder(alphaPoint, betaPoint);
    repository.assertRestores(alphaPoint, alpha);
    repository.assertRestores(betaPoint, beta);
    repository.assertCheckPasses();

    // chunks stored twice by the racing backups are garbage that prune may drop, never live data
    repository.run("prune").assertSuccess();
    repository.assertCheckPasses("--read-data");
    repository.assertRestores(betaPoint, beta);
  }
}
