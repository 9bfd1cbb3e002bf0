package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.storage.azure.Azurite;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository in Azure Blob Storage (a real Azurite) driven through the CLI, with credentials from
 * AZURE_STORAGE_CONNECTION_STRING as a user would set them: init, backup, incremental, restore byte
 * for byte, check, and the errors for a missing container and a wrong password.
 */
class AzureEndToEndTest {
  @TempDir static Path azuriteData;
  private static Azurite azurite;

  @TempDir Path directory;

  @BeforeAll
  static void startAzurite() throws Exception {
    azurite = Azurite.start(azuriteData);
  }

  @AfterAll
  static void stopAzurite() throws Exception {
    if (azurite != null) {
      azurite.close();
    }
  }

  private CairnProcess cairn() {
    return CairnProcess.in(directory, "secret")
        .withEnvironment("AZURE_STORAGE_CONNECTION_STRING", azurite.connectionString());
  }

  @Test
  void aRepositoryInAzureBacksUpRestoresAndChecks() throws Exception {
    String url = "azure://" + Azurite.ACCOUNT + "/" + Azurite.newContainerName() + "/vms";
    cairn()
        .run("init", "--repo", url, "--kdf-memory-kib", "64", "--kdf-iterations", "1")
        .assertSuccess();
    CairnRepository repository = CairnRepository.at(cairn(), url);
    Path disk = TestImages.mixed(directory.resolve("disk.img"), 6L * TestImages.MIB + 77, 5);
    JsonNode full = repository.backup("vm1", disk.toString());
    TestImages.scribble(disk, 3L * TestImages.MIB, 100_000, 6);
    JsonNode second = repository.backup("vm1", disk.toString());
    assertThat(second.get("bytesStored").asLong()).isLessThan(full.get("bytesStored").asLong());

    repository.assertRestores(second.get("id").asText(), disk);
    repository.assertCheckPasses("--read-data");
    assertThat(repository.run("points").assertSuccess().stdout()).contains("vm1");
    // The connection string never shows, not even in the audit trail.
    assertThat(repository.run("audit", "--json").assertSuccess().stdout())
        .doesNotContain(azurite.connectionString().substring(60, 90));
  }

  @Test
  void theMetadataCacheFillsAndADamagedCacheNeverBreaksARestore() throws Exception {
    String url = "azure://" + Azurite.ACCOUNT + "/" + Azurite.newContainerName();
    cairn()
        .run("init", "--repo", url, "--kdf-memory-kib", "64", "--kdf-iterations", "1")
        .assertSuccess();
    CairnRepository repository = CairnRepository.at(cairn(), url);
    Path disk = TestImages.mixed(directory.resolve("disk.img"), 4L * TestImages.MIB, 9);
    repository.backup("vm1", disk.toString());
    TestImages.scribble(disk, 1L * TestImages.MIB, 50_000, 10);
    JsonNode second = repository.backup("vm1", disk.toString());

    Path cache = directory.resolve("cairn-cache");
    java.util.List<Path> copies;
    try (var repositories = java.nio.file.Files.list(cache)) {
      Path only = repositories.findFirst().orElseThrow();
      try (var files = java.nio.file.Files.list(only)) {
        copies = files.toList();
      }
    }
    assertThat(copies)
        .extracting(path -> path.getFileName().toString())
        .anyMatch(name -> name.startsWith("points_"))
        .anyMatch(name -> name.startsWith("index_"));
    for (Path copy : copies) {
      byte[] bytes = java.nio.file.Files.readAllBytes(copy);
      bytes[bytes.length / 2] ^= 0x40;
      java.nio.file.Files.write(copy, bytes);
    }

    repository.assertRestores(second.get("id").asText(), disk);
    repository.assertCheckPasses();
  }

  @Test
  void aMissingContainerAndAWrongPasswordAreNamed() throws Exception {
    String missing = "azure://" + Azurite.ACCOUNT + "/no-such-container";
    cairn().run("points", "--repo", missing).assertFailure(4, missing, "does not exist");
    String url = "azure://" + Azurite.ACCOUNT + "/" + Azurite.newContainerName();
    cairn()
        .run("init", "--repo", url, "--kdf-memory-kib", "64", "--kdf-iterations", "1")
        .assertSuccess();
    cairn()
        .withPassword("wrong")
        .run("points", "--repo", url)
        .assertFailure(3, url, "wrong password");
  }
}
