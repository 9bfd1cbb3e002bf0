package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup killed with SIGKILL after it wrote packs: the repository stays consistent, the earlier
 * point restores, the next backup works, the dead process's lock does not block prune, and prune
 * removes what the killed backup left.
 */
class KilledBackupEndToEndTest {
  /** Large enough that the backup runs for a few seconds after its first pack appears. */
  private static final long LARGE_IMAGE_SIZE = 320L * TestImages.MIB;

  @TempDir Path directory;

  @Test
  void aBackupKilledMidwayLeavesOnlyGarbageThatPruneRemoves() throws Exception {
    CairnRepository repository =
        CairnRepository.init(
            CairnProcess.in(directory, "kill password"), directory.resolve("repo"));
    Path small = TestImages.mixed(directory.resolve("small.img"), 2L * TestImages.MIB + 17, 7);
    String earlier = repository.backup("small-vm", small).path("id").asText();
    long packBytesBefore = TestImages.bytesUnder(repository.path().resolve("packs"));
    int packsBefore = TestImages.filesUnder(repository.path().resolve("packs")).size();
    Path large = TestImages.random(directory.resolve("large.img"), LARGE_IMAGE_SIZE, 8);

    CairnProcess.Running backup =
        repository
            .with(repository.cairn().withFullJit())
            .start("backup", "--vm", "large-vm", "--disk", large.toString());
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (TestImages.filesUnder(repository.path().resolve("packs")).size() <= packsBefore) {
      assertThat(backup.isAlive())
          .as("the backup runs until it wrote a pack: %s", backup.isAlive() ? "" : backup.kill())
          .isTrue();
      assertThat(Instant.now()).as("a pack appears in time").isBefore(deadline);
      Thread.sleep(10);
    }
    assertThat(backup.isAlive()).as("the backup was still running when killed").isTrue();
    Result killed = backup.kill();
    assertThat(killed.exitCode()).as("killed by SIGKILL: %s", killed).isEqualTo(128 + 9);

    assertThat(TestImages.filesUnder(repository.path().resolve("locks")))
        .as("the killed backup's lock is left behind")
        .isNotEmpty();
    assertThat(repository.pointIds()).containsExactly(earlier);
    repository.assertCheckPasses();
    repository.assertRestores(earlier, small);

    Path smallBefore = Files.copy(small, directory.resolve("small-before.img"));
    TestImages.scribble(small, 4096, 100_000, 9);
    JsonNode nextBackup = repository.backup("small-vm", small);
    String next = nextBackup.path("id").asText();
    repository.assertRestores(next, small);

    JsonNode pruned = repository.run("prune", "--json").assertSuccess().json();
    assertThat(pruned.path("unindexedPacksDeleted").asInt())
        .as("prune deletes the killed backup's packs: %s", pruned)
        .isPositive();
    String check = repository.assertCheckPasses("--read-data");
    assertThat(check).doesNotContain("not in any index");
    assertThat(TestImages.bytesUnder(repository.path().resolve("packs")))
        .as("what remains is the two small points' data (the killed backup wrote 16 MiB or more)")
        .isLessThan(packBytesBefore + nextBackup.path("bytesStored").asLong() + TestImages.MIB);
    assertThat(TestImages.filesUnder(repository.path().resolve(".tmp")))
        .as("no partly written object of the killed backup is left")
        .isEmpty();
    assertThat(repository.pointIds()).containsExactly(earlier, next);
    repository.assertRestores(earlier, smallBefore);
    repository.assertRestores(next, small);

    Result unlock = repository.run("unlock").assertSuccess();
    assertThat(unlock.stdout()).contains("Removed 1 lock(s)");
    assertThat(TestImages.filesUnder(repository.path().resolve("locks"))).isEmpty();
  }
}
