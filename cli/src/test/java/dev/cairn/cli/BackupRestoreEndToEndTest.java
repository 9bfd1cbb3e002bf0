package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contract of init, backup, points, restore, check and forget, run as a real process. */
class BackupRestoreEndToEndTest {
  /** A few MiB, deliberately not a multiple of the 64 KiB block. */
  private static final long IMAGE_SIZE = 3L * TestImages.MIB + 12_345;

  @TempDir Path directory;
  private CairnRepository repository;
  private Path image;

  @BeforeEach
  void setUp() throws IOException {
    repository =
        CairnRepository.init(
            CairnProcess.in(directory, "end-to-end password"), directory.resolve("repo"));
    image = TestImages.mixed(directory.resolve("disk0.img"), IMAGE_SIZE, 1);
  }

  @Test
  void backupPrintsAPointThatListsRestoresAndChecks() throws IOException {
    JsonNode backup = repository.backup("web-01", image);

    String id = backup.path("id").asText();
    assertThat(id).matches("[0-9a-f]{32}");
    assertThat(backup.path("bytesRead").isIntegralNumber()).isTrue();
    assertThat(backup.path("bytesRead").asLong()).isEqualTo(IMAGE_SIZE);
    assertThat(backup.path("bytesStored").isIntegralNumber()).isTrue();
    // text and zero regions compress or vanish, random ones do not
    assertThat(backup.path("bytesStored").asLong()).isPositive().isLessThan(IMAGE_SIZE);
    assertThat(backup.path("incremental").asBoolean(true)).isFalse();

    JsonNode points = repository.points();
    assertThat(points).hasSize(1);
    JsonNode point = points.get(0);
    assertThat(point.path("id").asText()).isEqualTo(id);
    assertThat(point.path("vm").asText()).isEqualTo("web-01");
    assertThat(Instant.parse(point.path("time").asText())).isBefore(Instant.now());
    JsonNode disks = point.path("disks");
    assertThat(disks.isArray()).isTrue();
    assertThat(disks).hasSize(1);
    assertThat(disks.get(0).path("sizeBytes").asLong()).isEqualTo(IMAGE_SIZE);

    Path target = directory.resolve("restored.img");
    repository
        .run("restore", "--point", id.substring(0, 8), "--disk", "0", "--to", target.toString())
        .assertSuccess();
    TestImages.assertSameContent(image, target);

    repository.assertCheckPasses();
    assertThat(repository.assertCheckPasses("--read-data"))
        .contains("chunks decrypted and verified");
  }

  @Test
  void incrementalBackupReadsOnlyTheChangedBlocksAndBothPointsRestore() throws IOException {
    String full = repository.backup("web-01", image).path("id").asText();
    Path oldImage = Files.copy(image, directory.resolve("disk0-old.img"));

    // one range inside a block, one across a block border, and the partial last block
    List<long[]> changes =
        List.of(
            new long[] {100_000, 1_000},
            new long[] {1_000_000, 70_000},
            new long[] {IMAGE_SIZE - 500, 500});
    TreeSet<Long> changedBlocks = new TreeSet<>();
    StringBuilder extents = new StringBuilder("# changed since the last backup\n\n");
    long seed = 10;
    for (long[] change : changes) {
      TestImages.scribble(image, change[0], (int) change[1], seed++);
      extents.append(change[0]).append(' ').append(change[1]).append('\n');
      for (long block = change[0] / TestImages.BLOCK_SIZE;
          block <= (change[0] + change[1] - 1) / TestImages.BLOCK_SIZE;
          block++) {
        changedBlocks.add(block);
      }
    }
    long changedBytes = 0;
    for (long block : changedBlocks) {
      changedBytes += Math.min(TestImages.BLOCK_SIZE, IMAGE_SIZE - block * TestImages.BLOCK_SIZE);
    }
    assertThat(changedBlocks).hasSize(4);
    Path extentsFile = Files.writeString(directory.resolve("changed.txt"), extents);

    JsonNode incremental =
        repository.backup("web-01", image, "--changed-extents", extentsFile.toString());

    assertThat(incremental.path("incremental").asBoolean()).isTrue();
    assertThat(incremental.path("parent").asText()).isEqualTo(full);
    assertThat(incremental.path("bytesRead").asLong()).isEqualTo(changedBytes);
    assertThat(incremental.path("changedBlocks").asLong()).isEqualTo(changedBlocks.size());
    String next = incremental.path("id").asText();
    assertThat(repository.pointIds()).containsExactly(full, next);
    repository.assertRestores(next, image);
    repository.assertRestores(full, oldImage);
    repository.assertCheckPasses("--read-data");
  }

  @Test
  void forgetKeepsTheLatestPointOfEachVmAndPrunesTheRest() throws IOException {
    String first = repository.backup("web-01", image).path("id").asText();
    TestImages.scribble(image, 0, 200_000, 99);
    String second = repository.backup("web-01", image).path("id").asText();
    Path otherImage = TestImages.mixed(directory.resolve("db.img"), 2L * TestImages.MIB + 7, 2);
    String other = repository.backup("db-01", otherImage).path("id").asText();

    repository
        .run("forget")
        .assertFailure(2, "no --keep-* rule"); // would delete every point: refused
    assertThat(repository.pointIds()).containsExactlyInAnyOrder(first, second, other);

    JsonNode forgot =
        repository.run("forget", "--keep-last", "1", "--prune", "--json").assertSuccess().json();
    assertThat(forgot.path("decisions")).hasSize(3);
    forgot
        .path("decisions")
        .forEach(
            decision ->
                assertThat(decision.path("keep").asBoolean())
                    .as("decision %s", decision)
                    .isEqualTo(!decision.path("id").asText().equals(first)));
    assertThat(
            forgot.path("prune").path("packsDeleted").asLong()
                + forgot.path("prune").path("packsRepacked").asLong())
        .as("prune freed the forgotten point's data: %s", forgot)
        .isPositive();

    assertThat(repository.pointIds()).containsExactlyInAnyOrder(second, other);
    repository.assertRestores(second, image);
    repository.assertRestores(other, otherImage);
    repository.assertCheckPasses("--read-data");
    repository
        .run("restore", "--point", first, "--to", directory.resolve("gone.img").toString())
        .assertFailure(2, first, "no such point");
  }
}
