package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CairnProcess.Result;
import dev.cairn.storage.s3.FakeS3Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive tier through the CLI on S3, against {@link FakeS3Endpoint} (neither S3Mock nor Ceph
 * RGW models Glacier): packs copied to GLACIER or DEEP_ARCHIVE, restores refused with exit status
 * 12, then rehydrated by RestoreObject and copied back to STANDARD, on a plain bucket and on an
 * Object Lock bucket holding an immutable repository. The fake completes a restore once one HEAD
 * has seen it in progress, so the CLI's wait polls once, two seconds, and goes on.
 */
class S3ArchiveEndToEndTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static FakeS3Endpoint endpoint;

  @TempDir Path directory;

  @BeforeAll
  static void startEndpoint() throws Exception {
    endpoint = FakeS3Endpoint.start();
  }

  @AfterAll
  static void stopEndpoint() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  @BeforeEach
  void restoresCompleteAfterOnePoll() {
    endpoint.completeRestoresAfterHeads(1);
  }

  private CairnProcess cairn() {
    CairnProcess cairn = CairnProcess.in(directory, "secret");
    for (var variable : endpoint.environment().entrySet()) {
      cairn = cairn.withEnvironment(variable.getKey(), variable.getValue());
    }
    return cairn;
  }

  private static List<String> dataPacksIn(String bucket, String storageClass) {
    return endpoint.keysIn(bucket, storageClass).stream()
        .filter(key -> key.startsWith("vms/packs/data/"))
        .toList();
  }

  private List<String> restoreBodies() {
    return endpoint.requests().stream()
        .filter(r -> r.method().equals("POST") && r.query().containsKey("restore"))
        .map(FakeS3Endpoint.Request::body)
        .toList();
  }

  @Test
  void oldPointsGoToGlacierAndComeBackForARestore() throws Exception {
    String bucket = "glacier-" + BUCKETS.incrementAndGet();
    String url = endpoint.url(bucket + "/vms");
    cairn()
        .run("init", "--repo", url, "--kdf-memory-kib", "64", "--kdf-iterations", "1")
        .assertSuccess();
    CairnRepository repository = CairnRepository.at(cairn(), url);
    Path disk = TestImages.random(directory.resolve("disk.img"), 40L * TestImages.MIB, 3);
    // Two workers: one pack writer, so the first 32 MiB, rewritten below, fill packs that only
    // the old point uses.
    JsonNode old = repository.backup("vm1", disk, "--workers", "2");
    Path oldContent = Files.copy(disk, directory.resolve("old.img"));
    TestImages.scribble(disk, 0, 32 * (int) TestImages.MIB, 4);
    JsonNode recent = repository.backup("vm1", disk, "--workers", "2");
    String before = recent.get("time").asText();

    JsonNode moved = repository.run("archive", "--before", before, "--json").assertSuccess().json();

    int packs = moved.get("packsArchived").asInt();
    assertThat(packs).isPositive();
    assertThat(moved.get("sharedPacksKeptOnline").asInt()).isPositive();
    assertThat(dataPacksIn(bucket, "GLACIER")).hasSize(packs);
    JsonNode again = repository.run("archive", "--before", before, "--json").assertSuccess().json();
    assertThat(again.get("packsAlreadyArchived").asInt()).isEqualTo(packs);
    assertThat(repository.assertCheckPasses("--read-data"))
        .contains("note: " + packs + " archived data pack(s) were not read");
    repository.assertRestores(recent.get("id").asText(), disk);

    String oldId = old.get("id").asText();
    Path target = repository.freshTarget();
    repository
        .run("restore", "--point", oldId, "--to", target.toString())
        .assertFailure(
            12,
            "Cannot restore restore point " + oldId + ": " + packs + " of the data packs it needs",
            "are archived",
            "run again with --rehydrate standard");
    assertThat(target).doesNotExist();

    endpoint.clearRequests();
    Result rehydrated =
        repository
            .run("restore", "--point", oldId, "--to", target.toString(), "--rehydrate", "high")
            .assertSuccess();
    assertThat(rehydrated.stderr())
        .contains("Asked for " + packs + " archived pack(s) at high priority")
        .contains("All " + packs + " pack(s) are online");
    TestImages.assertSameContent(oldContent, target);
    assertThat(restoreBodies())
        .hasSize(packs)
        .allSatisfy(body -> assertThat(body).contains("<Tier>Expedited</Tier>"));
    // Copied back for good: nothing is left in GLACIER, nor as a temporary copy.
    assertThat(dataPacksIn(bucket, "GLACIER")).isEmpty();

    JsonNode rearchived =
        repository.run("archive", "--before", before, "--json").assertSuccess().json();
    assertThat(rearchived.get("packsArchived").asInt()).isEqualTo(packs);
    repository
        .run("restore", "--point", oldId, "--to", repository.freshTarget().toString())
        .assertFailure(12, "are archived");
  }

  @Test
  void anImmutableRepositoryGoesToDeepArchiveWithItsRetention() throws Exception {
    String bucket = "locked-" + BUCKETS.incrementAndGet();
    endpoint.createBucket(bucket, true, true);
    String url = endpoint.url(bucket + "/vms");
    CairnProcess cairn = cairn().withEnvironment("CAIRN_S3_ARCHIVE_CLASS", "DEEP_ARCHIVE");
    cairn
        .run(
            "init",
            "--repo",
            url,
            "--kdf-memory-kib",
            "64",
            "--kdf-iterations",
            "1",
            "--immutable-days",
            "30")
        .assertSuccess();
    CairnRepository repository = CairnRepository.at(cairn, url);
    Path disk = TestImages.random(directory.resolve("disk.img"), 20L * TestImages.MIB, 5);
    String id = repository.backup("vm1", disk).get("id").asText();

    JsonNode moved =
        repository
            .run("archive", "--before", Instant.now().plusSeconds(60).toString(), "--json")
            .assertSuccess()
            .json();

    int packs = moved.get("packsArchived").asInt();
    List<String> archived = dataPacksIn(bucket, "DEEP_ARCHIVE");
    assertThat(archived).hasSize(packs).isNotEmpty();
    for (String key : archived) {
      List<FakeS3Endpoint.Version> versions = endpoint.versions(bucket, key);
      // The STANDARD version is retained, so it stays; the copy is retained as long.
      assertThat(versions)
          .extracting(FakeS3Endpoint.Version::storageClass)
          .containsExactly("STANDARD", "DEEP_ARCHIVE");
      assertThat(versions.get(1).lockMode()).contains("COMPLIANCE");
      assertThat(versions.get(1).retainUntil())
          .isPresent()
          .isEqualTo(versions.get(0).retainUntil());
    }

    endpoint.clearRequests();
    Path target = repository.freshTarget();
    repository
        .run("restore", "--point", id, "--to", target.toString(), "--rehydrate", "high")
        .assertSuccess();

    TestImages.assertSameContent(disk, target);
    // Deep Archive has no Expedited retrieval.
    assertThat(restoreBodies())
        .hasSize(packs)
        .allSatisfy(body -> assertThat(body).contains("<Tier>Standard</Tier>"));
    for (String key : archived) {
      FakeS3Endpoint.Version current = endpoint.current(bucket, key).orElseThrow();
      assertThat(current.storageClass()).isEqualTo("STANDARD");
      assertThat(current.lockMode()).contains("COMPLIANCE");
    }
    repository.assertCheckPasses("--read-data");
  }
}
