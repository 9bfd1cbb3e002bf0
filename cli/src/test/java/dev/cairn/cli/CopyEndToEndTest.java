package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn copy} between two repositories with different passwords (so different keys), run as
 * real processes: what arrives restores and checks clean, a second copy sends nothing, the target
 * stays restorable after the source forgets and prunes, and a copy killed midway resumes.
 */
class CopyEndToEndTest {
  private static final int MIB = TestImages.MIB;

  @TempDir Path directory;

  private CairnRepository source;
  private CairnRepository target;
  private CairnProcess both;

  @BeforeEach
  void initTwoRepositories() {
    CairnProcess cairn = CairnProcess.in(directory, null);
    source = CairnRepository.init(cairn.withPassword("alpha source"), directory.resolve("a"));
    target = CairnRepository.init(cairn.withPassword("beta target"), directory.resolve("b"));
    both =
        cairn
            .withEnvironment("CAIRN_FROM_PASSWORD", "alpha source")
            .withEnvironment("CAIRN_TO_PASSWORD", "beta target");
  }

  private Result copy(CairnProcess cairn, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("copy", "--from", source.path().toString(), "--to", target.path().toString()));
    args.addAll(List.of(extra));
    return cairn.run(args.toArray(String[]::new));
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(node -> texts.add(node.asText()));
    return texts;
  }

  @Test
  void pointsArriveWholeSurviveTheSourcesPruneAndAreNotCopiedTwice() throws IOException {
    Path disk = TestImages.mixed(directory.resolve("disk.img"), 6L * MIB + 123, 1);
    Path firstImage = directory.resolve("first.img");
    Files.copy(disk, firstImage);
    String first = source.backup("web-01", disk).get("id").asText();
    TestImages.scribble(disk, 2L * MIB, 300_000, 2);
    String second = source.backup("web-01", disk, "--tag", "nightly").get("id").asText();
    Map<String, String> sourceBefore = TestImages.snapshot(source.path());

    JsonNode copied = copy(both, "--verify-data", "--json").assertSuccess().json();

    assertThat(texts(copied.get("copied"))).containsExactly(first, second);
    assertThat(copied.get("chunksNew").asLong()).isPositive();
    assertThat(copied.get("bytesRead").asLong()).isPositive();
    assertThat(copied.get("bytesWritten").asLong()).isPositive();
    assertThat(copied.get("chunksVerified").asLong()).isPositive();
    assertThat(TestImages.snapshot(source.path()))
        .as("the source is only read")
        .isEqualTo(sourceBefore);
    assertThat(target.pointIds()).containsExactly(first, second);
    assertThat(target.points().get(1).get("tags").get(0).asText()).isEqualTo("nightly");
    target.assertRestores(first, firstImage);
    target.assertRestores(second, disk);
    target.assertCheckPasses("--read-data");

    // Again, with the target's password from a file and the source's from CAIRN_PASSWORD.
    Path passwordFile = Files.writeString(directory.resolve("target.pw"), "beta target\n");
    Map<String, String> targetBefore = TestImages.snapshot(target.path());
    JsonNode again =
        copy(
                CairnProcess.in(directory, "alpha source"),
                "--to-password-file",
                passwordFile.toString(),
                "--json")
            .assertSuccess()
            .json();

    assertThat(texts(again.get("copied"))).isEmpty();
    assertThat(texts(again.get("skipped"))).containsExactly(first, second);
    assertThat(again.get("bytesWritten").asLong()).isZero();
    assertThat(TestImages.snapshot(target.path())).isEqualTo(targetBefore);

    source.run("forget", "--point", first, "--point", second, "--prune").assertSuccess();
    assertThat(source.pointIds()).isEmpty();
    target.assertRestores(first, firstImage);
    target.assertRestores(second, disk);
    target.assertCheckPasses();
    JsonNode audit = target.run("audit", "--json").assertSuccess().json();
    List<String> actions = new ArrayList<>();
    audit.forEach(event -> actions.add(event.get("action").asText()));
    assertThat(actions).startsWith("repository.init", "copy").containsOnlyOnce("copy");
    assertThat(audit.get(1).get("details").get("points").asText()).isEqualTo(first + "," + second);
  }

  @Test
  void aCopyKilledMidwayLeavesTheTargetSoundAndTheNextRunFinishesIt() throws IOException {
    List<Path> images = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path image = TestImages.random(directory.resolve("disk" + i + ".img"), 3L * MIB, 10 + i);
      images.add(image);
      ids.add(source.backup("vm-" + i, image).get("id").asText());
    }
    Path points = target.path().resolve("points");

    // 1 MiB/s makes each 3 MiB point take seconds: the kill comes right after the first commit.
    CairnProcess.Running running =
        both.start(
            "copy",
            "--from",
            source.path().toString(),
            "--to",
            target.path().toString(),
            "--limit",
            "1");
    while (running.isAlive() && TestImages.filesUnder(points).isEmpty()) {
      Thread.onSpinWait();
      sleep();
    }
    Result killed = running.kill();

    assertThat(killed.exitCode()).as("killed: %s", killed).isNotZero();
    List<String> committed = target.pointIds();
    assertThat(committed).as("the kill interrupted the copy").hasSizeLessThan(3);
    assertThat(ids).containsAll(committed);
    for (String id : committed) {
      target.assertRestores(id, images.get(ids.indexOf(id)));
    }
    target.assertCheckPasses("--read-data");

    JsonNode resumed = copy(both, "--json").assertSuccess().json();

    assertThat(texts(resumed.get("skipped"))).isEqualTo(committed);
    assertThat(target.pointIds()).containsExactlyInAnyOrderElementsOf(ids);
    for (int i = 0; i < 3; i++) {
      target.assertRestores(ids.get(i), images.get(i));
    }
    target.assertCheckPasses("--read-data");
  }

  private static void sleep() {
    try {
      Thread.sleep(Duration.ofMillis(20));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void aWrongTargetPasswordNamesTheTargetAndCopiesNothing() throws IOException {
    source.backup("vm", TestImages.random(directory.resolve("d.img"), MIB, 3));

    copy(both.withEnvironment("CAIRN_TO_PASSWORD", "wrong"))
        .assertFailure(3, target.path().toString());

    assertThat(target.pointIds()).isEmpty();
  }

  @Test
  void aMissingPasswordSaysWhereToGiveIt() {
    copy(both.withEnvironment("CAIRN_FROM_PASSWORD", null))
        .assertFailure(2, "source repository", "CAIRN_FROM_PASSWORD", "--from-password-file");
  }

  @Test
  void helpDescribesTheCommand() {
    Result result = both.run("copy", "--help").assertSuccess();

    assertThat(result.stdout()).contains("Usage: cairn copy", "--from", "--to", "--limit");
  }
}
