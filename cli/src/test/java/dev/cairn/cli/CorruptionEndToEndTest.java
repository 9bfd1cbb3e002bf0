package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.cli.CairnProcess.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged repositories: check finds and names the damage, exits 5, and restore writes nothing. */
class CorruptionEndToEndTest {
  private static final String PASSWORD = "corruption password";

  @TempDir static Path shared;
  private static Path template;
  private static Path image;
  private static String pointId;

  @TempDir Path directory;
  private CairnRepository repository;

  @BeforeAll
  static void createTemplateRepository() throws IOException {
    image = TestImages.mixed(shared.resolve("disk0.img"), 3L * TestImages.MIB + 999, 5);
    CairnRepository created =
        CairnRepository.init(CairnProcess.in(shared, PASSWORD), shared.resolve("template"));
    pointId = created.backup("web-01", image).path("id").asText();
    template = created.path();
  }

  @BeforeEach
  void copyTemplate() throws IOException {
    Path path = directory.resolve("repo");
    TestImages.copyTree(template, path);
    repository = new CairnRepository(CairnProcess.in(directory, PASSWORD), path);
  }

  private String objectName(Path file) {
    return repository.path().relativize(file).toString();
  }

  @Test
  void aFlippedByteInADataPackIsFoundByReadDataAndStopsTheRestore() throws IOException {
    Path pack = TestImages.largestFileUnder(repository.path().resolve("packs/data"));
    TestImages.flipByte(pack, Files.size(pack) / 2);

    Result check = repository.run("check", "--read-data");
    assertThat(check.exitCode()).as("check --read-data%n%s", check).isEqualTo(5);
    assertThat(check.stdout())
        .contains(objectName(pack))
        .contains("Damaged restore points: " + pointId);

    Path target = directory.resolve("restored.img");
    repository
        .run("restore", "--point", pointId, "--to", target.toString())
        .assertFailure(5, objectName(pack));
    assertThat(target).doesNotExist();
    assertThat(TestImages.filesUnder(directory).stream().map(Path::getFileName).map(Path::toString))
        .as("no partial restore is left behind")
        .noneMatch(name -> name.contains("restored"));
  }

  @Test
  void aTruncatedPackFailsThePlainCheck() throws IOException {
    Path pack = TestImages.largestFileUnder(repository.path().resolve("packs/data"));
    TestImages.truncate(pack, Files.size(pack) / 2);

    Result check = repository.run("check");

    assertThat(check.exitCode()).as("check%n%s", check).isEqualTo(5);
    String packId = pack.getFileName().toString();
    assertThat(check.stdout()).contains("Truncated pack").contains(packId).contains(pointId);
  }

  @Test
  void aFlippedByteInAnIndexObjectFailsTheCheckNamingIt() throws IOException {
    Path index = TestImages.largestFileUnder(repository.path().resolve("index"));
    TestImages.flipByte(index, Files.size(index) / 2);

    Result check = repository.run("check");

    assertThat(check.exitCode()).as("check%n%s", check).isEqualTo(5);
    assertThat(check.stdout()).contains(objectName(index));
  }

  @Test
  void aFlippedByteInARestorePointFailsCheckAndPointsNamingIt() throws IOException {
    Path point = repository.path().resolve("points").resolve(pointId);
    assertThat(point).isRegularFile();
    TestImages.flipByte(point, Files.size(point) / 2);

    Result check = repository.run("check");
    assertThat(check.exitCode()).as("check%n%s", check).isEqualTo(5);
    assertThat(check.stdout()).contains("points/" + pointId);

    repository.run("points").assertFailure(5, "points/" + pointId);
    repository.run("points", "--json").assertFailure(5, "points/" + pointId);
  }

  @Test
  void aDamagedRestorePointCanBeForgottenByIdAndTheRepositoryIsSoundAgain() throws IOException {
    Path point = repository.path().resolve("points").resolve(pointId);
    TestImages.flipByte(point, Files.size(point) / 2);

    repository.run("forget", "--point", pointId.substring(0, 8), "--prune").assertSuccess();

    assertThat(point).doesNotExist();
    repository.assertCheckPasses("--read-data");
    assertThat(repository.run("points", "--json").assertSuccess().stdout().strip())
        .isEqualTo("[ ]");
  }
}
