package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.storage.s3.CephRgw;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The promise of an immutable repository, on the one server here that enforces Object Lock (Ceph
 * RGW): someone holding the repository's own credentials cannot destroy its restore points before
 * their retention ends. Deleting any version is refused; a plain delete or an overwrite only stacks
 * a delete marker or a new version on top, the retained versions stay byte for byte, and once those
 * are removed (which the same credentials may do) every point restores exactly. Forget and prune
 * leave retained points alone.
 */
class CephImmutableEndToEndTest {
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
  void theRepositorysOwnCredentialsCannotDestroyARetainedPoint() throws Exception {
    String bucket = "immutable-e2e";
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
    Path first = TestImages.mixed(directory.resolve("first.img"), 3L * TestImages.MIB + 5, 21);
    Path second = TestImages.mixed(directory.resolve("second.img"), 2L * TestImages.MIB, 22);
    String firstId = repository.backup("vm1", first.toString()).get("id").asText();
    String secondId = repository.backup("vm1", second.toString()).get("id").asText();

    try (S3Client raw = ceph.client()) {
      Map<String, String> retained = currentVersions(raw, bucket);
      assertThat(retained.keySet())
          .contains("vms/config")
          .anyMatch(key -> key.startsWith("vms/points/"))
          .anyMatch(key -> key.startsWith("vms/packs/"))
          .anyMatch(key -> key.startsWith("vms/index/"))
          .anyMatch(key -> key.startsWith("vms/keys/"))
          .noneMatch(key -> key.startsWith("vms/locks/"));
      Map<String, byte[]> before = new HashMap<>();
      for (var object : retained.entrySet()) {
        before.put(object.getKey(), read(raw, bucket, object.getKey(), object.getValue()));
      }

      // The attack, with the repository's own credentials, on every object.
      for (var object : retained.entrySet()) {
        String key = object.getKey();
        String version = object.getValue();
        assertThatThrownBy(
                () -> raw.deleteObject(b -> b.bucket(bucket).key(key).versionId(version)))
            .as("deleting version %s of %s", version, key)
            .isInstanceOfSatisfying(
                S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        raw.putObject(
            b -> b.bucket(bucket).key(key),
            RequestBody.fromString("ransom note", StandardCharsets.UTF_8));
        raw.deleteObject(b -> b.bucket(bucket).key(key));
      }
      assertThat(currentVersions(raw, bucket)).isEmpty();

      // Every retained version is still there, unchanged.
      for (var object : retained.entrySet()) {
        assertThat(read(raw, bucket, object.getKey(), object.getValue()))
            .as(object.getKey())
            .isEqualTo(before.get(object.getKey()));
      }

      // Recovery: the versions and markers stacked on top are not retained, so the same
      // credentials remove them and the retained versions are current again.
      Set<String> originals = new HashSet<>(retained.values());
      for (ObjectVersion version : versions(raw, bucket)) {
        if (!originals.contains(version.versionId())) {
          raw.deleteObject(b -> b.bucket(bucket).key(version.key()).versionId(version.versionId()));
        }
      }
      raw.listObjectVersionsPaginator(b -> b.bucket(bucket))
          .deleteMarkers()
          .forEach(
              marker ->
                  raw.deleteObject(
                      b -> b.bucket(bucket).key(marker.key()).versionId(marker.versionId())));
      assertThat(currentVersions(raw, bucket)).isEqualTo(retained);
    }

    // Forget refuses a point still retained, and a policy keeps it, saying until when.
    // (Not assertFailure's one line: the S3 store warns on stderr that Ceph 16 ignores
    // If-None-Match.)
    CairnProcess.Result refused = repository.run("forget", "--point", firstId);
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.stderr().lines().filter(line -> line.startsWith("cairn: ")))
        .singleElement()
        .asString()
        .startsWith("cairn: Cannot forget restore point " + firstId)
        .contains("the repository is immutable and retains it until");
    JsonNode forgot = repository.run("forget", "--keep-last", "1", "--prune", "--json").json();
    assertThat(forgot.get("decisions"))
        .allSatisfy(decision -> assertThat(decision.get("keep").asBoolean()).isTrue());
    assertThat(forgot.get("prune").get("packsDeleted").asInt()).isZero();
    assertThat(forgot.get("prune").get("retentionsExtended").asLong()).isPositive();
    String pruned = repository.run("prune").assertSuccess().stdout();
    assertThat(pruned).contains("Extended the retention of");

    assertThat(repository.pointIds()).containsExactlyInAnyOrder(firstId, secondId);
    repository.assertRestores(firstId, first);
    repository.assertRestores(secondId, second);
    repository.assertCheckPasses("--read-data");
  }

  @Test
  void initOnABucketWithoutObjectLockFailsNamingTheObject() throws Exception {
    String bucket = "unlocked-e2e";
    try (S3Client raw = ceph.client()) {
      raw.createBucket(b -> b.bucket(bucket));
      raw.putBucketVersioning(
          b -> b.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
    }
    CairnProcess.Result result =
        cairn()
            .run(
                "init",
                "--repo",
                ceph.url(bucket + "/vms"),
                "--kdf-memory-kib",
                "64",
                "--kdf-iterations",
                "1",
                "--immutable-days",
                "1");
    assertThat(result.exitCode()).as("%s", result).isNotZero();
    assertThat(result.stderr().lines().filter(line -> line.startsWith("cairn: ")))
        .singleElement()
        .asString()
        .startsWith("cairn: Cannot create object config in ");
    try (S3Client raw = ceph.client()) {
      assertThat(currentVersions(raw, bucket)).isEmpty();
    }
  }

  @Test
  void initRefusesALocalDirectoryInOneLine() throws Exception {
    Path local = Files.createDirectories(directory.resolve("local"));
    cairn()
        .run(
            "init",
            "--repo",
            local.toString(),
            "--kdf-memory-kib",
            "64",
            "--kdf-iterations",
            "1",
            "--immutable-days",
            "30")
        .assertFailure(2, "Cannot initialise immutable repository", "cannot retain objects");
  }

  /**
   * Key to version id of every repository object whose current version is data (not a delete
   * marker); the S3 store's probe of the server's conditional writes is no repository object.
   */
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

  private static List<ObjectVersion> versions(S3Client raw, String bucket) {
    List<ObjectVersion> versions = new ArrayList<>();
    raw.listObjectVersionsPaginator(b -> b.bucket(bucket)).versions().forEach(versions::add);
    return versions;
  }

  private static byte[] read(S3Client raw, String bucket, String key, String version) {
    return raw.getObjectAsBytes(b -> b.bucket(bucket).key(key).versionId(version)).asByteArray();
  }
}
