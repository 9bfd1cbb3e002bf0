package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input: each failure is one line on standard error that starts with "cairn: ", names the thing
 * and the cause, exits with the status of its kind, and leaves the repository as it was (same
 * objects, no lock left behind, check passes, the existing point still restores).
 */
class BadInputEndToEndTest {
  private static final String PASSWORD = "bad input password";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  private static Path template;
  private static Path image;
  private static String pointId;

  @TempDir Path directory;
  private CairnRepository repository;
  private Map<String, String> before;

  @BeforeAll
  static void createTemplateRepository() throws IOException {
    image = TestImages.mixed(shared.resolve("disk0.img"), 2L * TestImages.MIB + 4_321, 3);
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
    before = TestImages.snapshot(path);
  }

  private void assertUndamaged() throws IOException {
    assertThat(TestImages.snapshot(repository.path())).isEqualTo(before);
    assertThat(TestImages.filesUnder(repository.path().resolve("locks"))).isEmpty();
    repository.assertCheckPasses();
    repository.assertRestores(pointId, image);
  }

  @Test
  void backupOfANonexistentDiskFailsNamingIt() throws IOException {
    Path missing = directory.resolve("no-such-disk.img");

    repository
        .run("backup", "--vm", "web-01", "--disk", missing.toString())
        .assertFailure(7, missing.toString(), "no such file");
    // the second disk is missing: nothing of the first may be committed
    repository
        .run("backup", "--vm", "web-01", "--disk", image.toString(), "--disk", missing.toString())
        .assertFailure(7, missing.toString(), "no such file");

    assertThat(repository.pointIds()).containsExactly(pointId);
    assertUndamaged();
  }

  @Test
  void backupOfADiskThatCannotBeReadFailsNamingIt() throws IOException {
    Path notADisk = Files.createDirectory(directory.resolve("a-directory"));

    repository
        .run("backup", "--vm", "web-01", "--disk", notADisk.toString())
        .assertFailure(7, notADisk.toString(), "directory");

    assertUndamaged();
  }

  @Test
  void aWrongPasswordIsRefused() throws IOException {
    CairnRepository wrong = repository.with(repository.cairn().withPassword("not the password"));
    wrong.run("points").assertFailure(3, repository.path().toString(), "wrong password");
    wrong
        .run("backup", "--vm", "web-01", "--disk", image.toString())
        .assertFailure(3, "wrong password");
    Path wrongFile = Files.writeString(directory.resolve("wrong-password.txt"), "nope\n");
    repository
        .run("points", "--password-file", wrongFile.toString())
        .assertFailure(3, "wrong password");
    Path missingFile = directory.resolve("no-password-file.txt");
    repository
        .run("points", "--password-file", missingFile.toString())
        .assertFailure(2, missingFile.toString(), "no such file");
    Path rightFile = Files.writeString(directory.resolve("password.txt"), PASSWORD + "\n");
    repository
        .with(repository.cairn().withPassword(null))
        .run("points", "--password-file", rightFile.toString())
        .assertSuccess();

    assertUndamaged();
  }

  @Test
  void aRepositoryUrlOfAnUnknownKindIsRefusedNamingIt() {
    repository
        .cairn()
        .run("points", "--repo", "ftp://host/backups")
        .assertFailure(2, "ftp://host/backups", "no store for 'ftp://'");
  }

  @Test
  void aMissingRepositoryIsUnavailable() throws IOException {
    Path nowhere = directory.resolve("no-repository-here");
    CairnRepository missing = new CairnRepository(repository.cairn(), nowhere);

    missing.run("points").assertFailure(4, nowhere.toString(), "no such directory");
    missing
        .run("backup", "--vm", "web-01", "--disk", image.toString())
        .assertFailure(4, nowhere.toString(), "no such directory");
    assertThat(nowhere).doesNotExist();

    Path empty = Files.createDirectory(directory.resolve("empty"));
    new CairnRepository(repository.cairn(), empty)
        .run("check")
        .assertFailure(4, empty.toString(), "no repository there");
    assertThat(TestImages.filesUnder(empty)).isEmpty();
  }

  @Test
  void aRepositoryOfANewerFormatIsRefusedUntouched() throws IOException {
    Path config = repository.path().resolve("config");
    byte[] original = Files.readAllBytes(config);
    ObjectNode newer = (ObjectNode) JSON.readTree(original);
    assertThat(newer.path("version").asInt()).isEqualTo(1);
    newer.put("version", 2);
    Files.write(config, JSON.writeValueAsBytes(newer));
    Map<String, String> edited = TestImages.snapshot(repository.path());

    repository.run("points").assertFailure(4, repository.path().toString(), "newer", "2");
    repository
        .run("backup", "--vm", "web-01", "--disk", image.toString())
        .assertFailure(4, repository.path().toString(), "newer");
    repository.run("check").assertFailure(4, "newer");
    repository.run("prune").assertFailure(4, "newer");

    assertThat(TestImages.snapshot(repository.path())).isEqualTo(edited);
    Files.write(config, original);
    assertUndamaged();
  }

  @Test
  void aRepositoryThatRequiresAnUnknownFeatureIsRefusedUntouched() throws IOException {
    Path config = repository.path().resolve("config");
    byte[] original = Files.readAllBytes(config);
    ObjectNode edited = (ObjectNode) JSON.readTree(original);
    edited.putArray("requiredFeatures").add("sharded-index-v7");
    Files.write(config, JSON.writeValueAsBytes(edited));
    Map<String, String> withFeature = TestImages.snapshot(repository.path());

    repository.run("points").assertFailure(4, repository.path().toString(), "sharded-index-v7");
    repository
        .run("backup", "--vm", "web-01", "--disk", image.toString())
        .assertFailure(4, "sharded-index-v7");

    assertThat(TestImages.snapshot(repository.path())).isEqualTo(withFeature);
    Files.write(config, original);
    assertUndamaged();
  }

  @Test
  void aMalformedChangedExtentsFileIsRejectedNamingFileAndLine() throws IOException {
    Path extents =
        Files.writeString(directory.resolve("extents.txt"), "0 65536\n65536 twelve\n131072 10\n");

    String message =
        repository
            .run(
                "backup",
                "--vm",
                "web-01",
                "--disk",
                image.toString(),
                "--changed-extents",
                extents.toString())
            .assertFailure(2, extents.toString(), "line 2", "65536 twelve");
    assertThat(message.split("Cannot", -1))
        .as("the cause is given once, not wrapped in itself: %s", message)
        .hasSize(2);

    Path pastTheEnd = Files.writeString(directory.resolve("past-end.txt"), "0 999999999\n");
    repository
        .run(
            "backup",
            "--vm",
            "web-01",
            "--disk",
            image.toString(),
            "--changed-extents",
            pastTheEnd.toString())
        .assertFailure(2, "999999999", "past the disk");
    Path missing = directory.resolve("no-extents.txt");
    repository
        .run(
            "backup",
            "--vm",
            "web-01",
            "--disk",
            image.toString(),
            "--changed-extents",
            missing.toString())
        .assertFailure(2, missing.toString(), "no such file");

    assertThat(repository.pointIds()).containsExactly(pointId);
    assertUndamaged();
  }

  @Test
  void restoreDoesNotReplaceAnExistingFileWithoutOverwrite() throws IOException {
    Path target = Files.writeString(directory.resolve("precious.img"), "keep me");

    repository
        .run("restore", "--point", pointId, "--to", target.toString())
        .assertFailure(2, target.toString(), "exists", "--overwrite");
    assertThat(target).hasContent("keep me");
    assertUndamaged();

    repository
        .run("restore", "--point", pointId, "--to", target.toString(), "--overwrite")
        .assertSuccess();
    TestImages.assertSameContent(image, target);
  }

  @Test
  void restoreOfADiskIndexOutOfRangeFails() throws IOException {
    Path target = directory.resolve("out-of-range.img");

    repository
        .run("restore", "--point", pointId, "--disk", "1", "--to", target.toString())
        .assertFailure(2, "disk 1", pointId.substring(0, 8), "1 disk(s)");
    repository
        .run("restore", "--point", pointId, "--disk", "-1", "--to", target.toString())
        .assertFailure(2, "disk -1");

    assertThat(target).doesNotExist();
    assertThat(TestImages.filesUnder(directory).stream().map(Path::getFileName).map(Path::toString))
        .noneMatch(name -> name.contains("cairn-partial"));
    assertUndamaged();
  }

  @Test
  void restoreOfAnUnknownPointFailsNamingThePrefix() throws IOException {
    String prefix = (pointId.charAt(0) == '0' ? "1" : "0") + pointId.substring(1, 8);
    Path target = directory.resolve("unknown.img");

    repository
        .run("restore", "--point", prefix, "--to", target.toString())
        .assertFailure(2, prefix, "no such point");
    repository
        .run("restore", "--point", "xyz", "--to", target.toString())
        .assertFailure(2, "'xyz'", "4 hex digits");

    assertThat(target).doesNotExist();
    assertUndamaged();
  }
}
