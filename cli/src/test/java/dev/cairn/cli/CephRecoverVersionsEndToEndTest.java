package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.storage.s3.CephRgw;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * What follows the attack of {@link CephImmutableEndToEndTest}: someone with the repository's own
 * credentials hides its config, key slots, a manifest and packs under delete markers and overwrites
 * index objects, so Cairn cannot even open it; {@code cairn recover-versions} makes Cairn's
 * versions current again, without deleting any of them, and every point restores exactly.
 */
class CephRecoverVersionsEndToEndTest {
  private static CephRgw ceph;

  @TempDir Path directory;

  @BeforeAll
  static void startCeph() throws Exception {
    ceph = CephRgw.start();
  }

  @AfterAll
  static void stopCeph() throws Exception {
    if (ceph != null) {
      ceph.close();
    }
  }

  private CairnProcess cairn() {
    CairnProcess cairn = CairnProcess.in(directory, "secret");
    for (var variable : ceph.environment().entrySet()) {
      cairn = cairn.withEnvironment(variable.getKey(), variable.getValue());
    }
    return cairn;
  }

  @Test
  void aRepositoryHiddenByItsOwnCredentialsIsRecoveredWholeAndNoOriginalIsDeleted()
      throws Exception {
    String bucket = "recover-e2e";
    ceph.createLockedBucket(bucket);
    String url = ceph.url(bucket + "/vms");
    cairn()
        .run(
            "init",
            "--repo",
            url,
            "--kdf-memory-kib",
            "64",
            "--kdf-iterations",
            "1",
            "--immutable-days",
            "1",
            "--immutable-mode",
            "compliance",
            "--immutable-margin-days",
            "1")
        .assertSuccess();
    CairnRepository repository = CairnRepository.at(cairn(), url);
    Path first = TestImages.mixed(directory.resolve("first.img"), 3L * TestImages.MIB + 5, 31);
    Path second = TestImages.mixed(directory.resolve("second.img"), 2L * TestImages.MIB, 32);
    String firstId = repository.backup("vm1", first.toString()).get("id").asText();
    String secondId = repository.backup("vm1", second.toString()).get("id").asText();

    Map<String, String> originals;
    List<String> hidden = new ArrayList<>();
    List<String> indexes;
    try (S3Client raw = ceph.client()) {
      originals = currentVersions(raw, bucket);
      List<String> packs = keysUnder(originals, "vms/packs/");
      indexes = keysUnder(originals, "vms/index/");
      assertThat(packs).hasSizeGreaterThan(1);
      assertThat(indexes).hasSizeGreaterThanOrEqualTo(2);

      // The attack: delete markers over the config, every key slot, a manifest and half the packs.
      hidden.add("vms/config");
      hidden.addAll(keysUnder(originals, "vms/keys/"));
      hidden.add("vms/points/" + firstId);
      hidden.addAll(packs.subList(0, (packs.size() + 1) / 2));
      for (String key : hidden) {
        raw.deleteObject(b -> b.bucket(bucket).key(key));
      }
      // One index object overwritten plainly, another with a retention of the attacker's own, so
      // that its foreign version cannot be deleted.
      raw.putObject(
          b -> b.bucket(bucket).key(indexes.get(0)),
          RequestBody.fromString("ransom note", StandardCharsets.UTF_8));
      raw.putObject(
          b ->
              b.bucket(bucket)
                  .key(indexes.get(1))
                  .objectLockMode("COMPLIANCE")
                  .objectLockRetainUntilDate(Instant.now().plus(1, ChronoUnit.DAYS)),
          RequestBody.fromString("ransom note", StandardCharsets.UTF_8));
    }

    // Cairn cannot open the repository, so nothing lists or restores.
    assertThat(repository.run("points").exitCode()).isEqualTo(4);
    Path target = directory.resolve("refused.img");
    assertThat(
            repository
                .run("restore", "--point", secondId, "--disk", "0", "--to", target.toString())
                .exitCode())
        .isEqualTo(4);

    // A dry run says what it would do and changes nothing.
    JsonNode dry = repository.run("recover-versions", "--dry-run", "--json").assertSuccess().json();
    assertThat(dry.get("recovery").get("dryRun").asBoolean()).isTrue();
    assertThat(dry.get("recovery").get("markersRemoved").asLong()).isEqualTo(hidden.size());
    assertThat(dry.get("audited").asBoolean()).isFalse();
    assertThat(repository.run("points").exitCode()).isEqualTo(4);

    JsonNode recovered = repository.run("recover-versions", "--json").assertSuccess().json();

    JsonNode counts = recovered.get("recovery");
    assertThat(counts.get("versioned").asBoolean()).isTrue();
    assertThat(counts.get("markersRemoved").asLong()).isEqualTo(hidden.size());
    assertThat(counts.get("overwritesRemoved").asLong()).isOne();
    assertThat(counts.get("originalsCopied").asLong()).isOne();
    assertThat(counts.get("unrecoverable").asLong()).isZero();
    assertThat(counts.get("foreignVersionsDeleted").asLong()).isOne();
    assertThat(counts.get("objectsExamined").asLong()).isEqualTo(originals.size());
    assertThat(recovered.get("objectsNotListed").asLong()).isZero();
    List<String> names = new ArrayList<>();
    recovered.get("objects").forEach(object -> names.add("vms/" + object.get("name").asText()));
    assertThat(names).containsExactlyInAnyOrderElementsOf(withAll(hidden, indexes.subList(0, 2)));
    assertThat(recovered.get("audited").asBoolean()).isTrue();
    assertThat(namesAndKinds(dry)).isEqualTo(namesAndKinds(recovered));

    try (S3Client raw = ceph.client()) {
      // Every version Cairn wrote is still there, and current except under the retained forgery,
      // where a copy of it is.
      Map<String, List<String>> versions = dataVersions(raw, bucket);
      for (var original : originals.entrySet()) {
        assertThat(versions.get(original.getKey()))
            .as(original.getKey())
            .last()
            .isEqualTo(original.getValue());
      }
      Map<String, String> current = currentVersions(raw, bucket);
      for (var original : originals.entrySet()) {
        if (!original.getKey().equals(indexes.get(1))) {
          assertThat(current.get(original.getKey()))
              .as(original.getKey())
              .isEqualTo(original.getValue());
        }
      }
      assertThat(versions.get(indexes.get(1))).hasSize(3);
    }
    assertThat(repository.pointIds()).containsExactlyInAnyOrder(firstId, secondId);
    repository.assertCheckPasses("--read-data");
    repository.assertRestores(firstId, first);
    repository.assertRestores(secondId, second);
    JsonNode audit = repository.run("audit", "--json").assertSuccess().json();
    List<String> actions = new ArrayList<>();
    audit.forEach(event -> actions.add(event.get("action").asText()));
    assertThat(actions).contains("recover-versions");

    // Nothing is left to recover: a second run changes nothing.
    String again = repository.run("recover-versions").assertSuccess().stdout();
    assertThat(again)
        .contains("Hidden under delete markers, recovered: 0")
        .contains("Could not recover: 0.");
  }

  @Test
  void aBucketWithoutVersioningHasNothingToRecover() throws Exception {
    String bucket = "unversioned-e2e";
    try (S3Client raw = ceph.client()) {
      raw.createBucket(b -> b.bucket(bucket));
    }
    String url = ceph.url(bucket + "/vms");
    CairnProcess.Result result = cairn().run("recover-versions", "--repo", url);
    result.assertSuccess();
    assertThat(result.stdout())
        .contains("does not keep object versions: nothing can be hidden there");
  }

  @Test
  void aLocalRepositoryIsRefusedInOneLine() throws Exception {
    Path local = Files.createDirectories(directory.resolve("local"));
    cairn()
        .run("recover-versions", "--repo", local.toString())
        .assertFailure(2, "Cannot recover object versions in repository", "keeps no versions");
  }

  /** "NAME KIND" of each object a recover-versions --json listed, in its order. */
  private static List<String> namesAndKinds(JsonNode result) {
    List<String> objects = new ArrayList<>();
    result
        .get("objects")
        .forEach(o -> objects.add(o.get("name").asText() + " " + o.get("kind").asText()));
    return objects;
  }

  private static List<String> withAll(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static List<String> keysUnder(Map<String, String> keys, String prefix) {
    return keys.keySet().stream().filter(key -> key.startsWith(prefix)).sorted().toList();
  }

  /** Key to version id of every repository object whose current version is data. */
  private static Map<String, String> currentVersions(S3Client raw, String bucket) {
    Map<String, String> current = new HashMap<>();
    for (ObjectVersion version : versions(raw, bucket)) {
      if (Boolean.TRUE.equals(version.isLatest())
          && !version.key().endsWith(".cairn-create-probe")) {
        current.put(version.key(), version.versionId());
      }
    }
    return current;
  }

  /** Key to the ids of its data versions, newest first. */
  private static Map<String, List<String>> dataVersions(S3Client raw, String bucket) {
    Map<String, List<String>> ids = new HashMap<>();
    for (ObjectVersion version : versions(raw, bucket)) {
      ids.computeIfAbsent(version.key(), k -> new ArrayList<>()).add(version.versionId());
    }
    return ids;
  }

  private static List<ObjectVersion> versions(S3Client raw, String bucket) {
    List<ObjectVersion> versions = new ArrayList<>();
    raw.listObjectVersionsPaginator(b -> b.bucket(bucket)).versions().forEach(versions::add);
    return versions;
  }
}
