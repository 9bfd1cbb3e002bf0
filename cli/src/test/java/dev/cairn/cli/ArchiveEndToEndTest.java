package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import dev.cairn.storage.azure.Azurite;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive tier through the CLI on a real Azurite, which refuses reads of archived blobs (409)
 * and rehydrates at once: two backups sharing part of a disk, the old point's own packs archived,
 * then points, check, restores with and without rehydration, export and re-archiving.
 */
class ArchiveEndToEndTest {
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
  void oldPointsGoToTheArchiveAndComeBackForARestore() throws Exception {
    String url = "azure://" + Azurite.ACCOUNT + "/" + Azurite.newContainerName() + "/vms";
    cairn()
        .run("init", "--repo", url, "--kdf-memory-kib", "64", "--kdf-iterations", "1")
        .assertSuccess();
    CairnRepository repository = CairnRepository.at(cairn(), url);
    Path disk = TestImages.random(directory.resolve("disk.img"), 40L * TestImages.MIB, 3);
    // Two workers: one pack writer, so the packs follow the disk's order and the first 32 MiB,
    // rewritten below, fill packs that only the old point uses.
    JsonNode old = repository.backup("vm1", disk, "--workers", "2");
    Path oldContent = Files.copy(disk, directory.resolve("old.img"));
    TestImages.scribble(disk, 0, 32 * (int) TestImages.MIB, 4);
    JsonNode recent = repository.backup("vm1", disk, "--workers", "2");
    String before = recent.get("time").asText(); // the old point is before, the recent one not

    JsonNode dry =
        repository.run("archive", "--before", before, "--dry-run", "--json").assertSuccess().json();
    JsonNode moved = repository.run("archive", "--before", before, "--json").assertSuccess().json();

    int packs = moved.get("packsArchived").asInt();
    assertThat(packs).isPositive().isEqualTo(dry.get("packsArchived").asInt());
    assertThat(moved.get("olderPoints").asInt()).isEqualTo(1);
    assertThat(moved.get("newerPoints").asInt()).isEqualTo(1);
    assertThat(moved.get("sharedPacksKeptOnline").asInt()).isPositive();
    JsonNode again = repository.run("archive", "--before", before, "--json").assertSuccess().json();
    assertThat(again.get("packsArchived").asInt()).isZero();
    assertThat(again.get("packsAlreadyArchived").asInt()).isEqualTo(packs);

    // Listing and checking need no rehydration; reading data skips what is archived.
    assertThat(repository.pointIds())
        .containsExactly(old.get("id").asText(), recent.get("id").asText());
    repository.assertCheckPasses();
    assertThat(repository.assertCheckPasses("--read-data"))
        .contains("note: " + packs + " archived data pack(s) were not read");
    // The recent point shares nothing archived.
    repository.assertRestores(recent.get("id").asText(), disk);

    String oldId = old.get("id").asText();
    Path target = repository.freshTarget();
    repository
        .run("restore", "--point", oldId, "--to", target.toString())
        .assertFailure(
            12,
            "Cannot restore restore point " + oldId + ": " + packs + " of the data packs it needs",
            "are archived",
            "run again with --rehydrate standard (typically up to 15 hours) or --rehydrate high");
    assertThat(target).doesNotExist();
    repository
        .run("export", "--point", oldId, "--listen", "127.0.0.1:0")
        .assertFailure(12, "Cannot export restore point " + oldId, "cairn rehydrate --point");

    Result rehydrated =
        repository
            .run("restore", "--point", oldId, "--to", target.toString(), "--rehydrate", "high")
            .assertSuccess();
    assertThat(rehydrated.stderr())
        .contains(packs + " of the ")
        .contains("rehydrating them at high priority typically takes under 1 hour")
        .contains("Asked for " + packs + " archived pack(s) at high priority")
        .contains("All " + packs + " pack(s) are online");
    TestImages.assertSameContent(oldContent, target);
    Files.delete(target);

    // Rehydrated packs stay online until the next archive run moves them back.
    repository.assertRestores(oldId, oldContent);
    JsonNode rearchived =
        repository.run("archive", "--before", before, "--json").assertSuccess().json();
    assertThat(rearchived.get("packsArchived").asInt()).isEqualTo(packs);
    repository
        .run("restore", "--point", oldId, "--to", target.toString())
        .assertFailure(12, "are archived");
  }

  @Test
  void aLocalRepositoryHasNoArchiveTier() throws Exception {
    Path path = directory.resolve("repo");
    CairnRepository repository = CairnRepository.init(cairn(), path);

    repository
        .run("archive", "--older-than", "90d")
        .assertFailure(2, "Cannot archive restore points of repository", "has no archive tier");
    repository
        .run("archive", "--older-than", "ninety days")
        .assertFailure(2, "--older-than takes a number and a unit");
  }
}
