package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.BlobStoreProvider;
import dev.cairn.storage.RecoveredObject;
import dev.cairn.storage.RecoveredObject.Kind;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.VersionRecovery;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Recovering what another client hid on a versioned bucket, on Ceph RGW (real versioning and Object
 * Lock): the "attacker" is a plain S3 client with the same credentials, which can stack delete
 * markers and versions but not delete retained ones.
 */
class S3VersionRecoveryTest {
  private static final int MIB = 1024 * 1024;
  private static final List<String> EVERYTHING = List.of("");
  private static CephRgw ceph;
  private static int buckets;

  private final Retention retention =
      new Retention(RetentionMode.COMPLIANCE, Instant.now().plus(1, ChronoUnit.DAYS));
  private final List<RecoveredObject> reported = new ArrayList<>();

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

  @Test
  void deleteMarkersOverRetainedObjectsAreRemoved() throws Exception {
    String bucket = lockedBucket();
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS)) {
      byte[] config = bytes(300, 1);
      byte[] pack = bytes(70_000, 2);
      store.createRetained("config", config, retention);
      store.createRetained("packs/data/ab/pack1", pack, retention);
      store.createRetained("index/healthy", bytes(10, 3), retention);
      Map<String, List<String>> originals = versionIds(raw, bucket);

      raw.deleteObject(b -> b.bucket(bucket).key("repo/config"));
      raw.deleteObject(b -> b.bucket(bucket).key("repo/packs/data/ab/pack1"));
      raw.deleteObject(b -> b.bucket(bucket).key("repo/packs/data/ab/pack1"));
      assertThat(store.stat("config")).isEmpty();
      // AWS stacks a second marker on the second delete; Ceph RGW 16 may not.
      long markers =
          raw.listObjectVersionsPaginator(b -> b.bucket(bucket)).deleteMarkers().stream().count();
      assertThat(markers).isBetween(2L, 3L);

      VersionRecovery result = store.recoverOriginals(EVERYTHING, false, reported::add);

      assertThat(result.versioned()).isTrue();
      assertThat(result.objectsExamined()).isEqualTo(3);
      assertThat(result.markersRemoved()).isEqualTo(2);
      assertThat(result.deleteMarkersDeleted()).isEqualTo(markers);
      assertThat(result.overwritesRemoved() + result.originalsCopied() + result.unrecoverable())
          .isZero();
      assertThat(reported)
          .extracting(RecoveredObject::name, RecoveredObject::kind)
          .containsExactlyInAnyOrder(
              Tuple.tuple("config", Kind.MARKERS_REMOVED),
              Tuple.tuple("packs/data/ab/pack1", Kind.MARKERS_REMOVED));
      assertThat(store.read("config")).isEqualTo(config);
      assertThat(store.read("packs/data/ab/pack1")).isEqualTo(pack);
      assertThat(versionIds(raw, bucket)).isEqualTo(originals);
      assertThat(raw.listObjectVersionsPaginator(b -> b.bucket(bucket)).deleteMarkers()).isEmpty();
    }
  }

  @Test
  void foreignOverwritesWithoutRetentionAreDeleted() throws Exception {
    String bucket = lockedBucket();
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS)) {
      byte[] index = bytes(5000, 4);
      byte[] point = bytes(800, 5);
      store.createRetained("index/i1", index, retention);
      store.createRetained("points/p1", point, retention);
      Map<String, List<String>> originals = versionIds(raw, bucket);

      put(raw, bucket, "repo/index/i1", bytes(100, 6));
      // The same size as the original but other bytes: told apart by content, not size.
      put(raw, bucket, "repo/points/p1", bytes(800, 7));
      raw.deleteObject(b -> b.bucket(bucket).key("repo/points/p1"));
      put(raw, bucket, "repo/points/p1", bytes(800, 8));

      VersionRecovery result = store.recoverOriginals(EVERYTHING, false, reported::add);

      assertThat(result.overwritesRemoved()).isEqualTo(2);
      assertThat(result.foreignVersionsDeleted()).isEqualTo(3);
      assertThat(result.deleteMarkersDeleted()).isEqualTo(1);
      assertThat(reported).extracting(RecoveredObject::kind).containsOnly(Kind.OVERWRITE_REMOVED);
      assertThat(store.read("index/i1")).isEqualTo(index);
      assertThat(store.read("points/p1")).isEqualTo(point);
      assertThat(versionIds(raw, bucket)).isEqualTo(originals);
    }
  }

  @Test
  void aRetainedForeignVersionIsCoveredByARetainedCopyOfTheOriginal() throws Exception {
    String bucket = lockedBucket();
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS)) {
      byte[] keys = bytes(600, 9);
      store.createRetained("keys/k1", keys, retention);
      store.setLegalHold("keys/k1", true);
      String original = versionIds(raw, bucket).get("repo/keys/k1").get(0);
      // The attacker retains its own version, so nobody can delete it for a day.
      raw.putObject(
          b ->
              b.bucket(bucket)
                  .key("repo/keys/k1")
                  .objectLockMode("COMPLIANCE")
                  .objectLockRetainUntilDate(Instant.now().plus(1, ChronoUnit.DAYS)),
          RequestBody.fromBytes(bytes(50, 10)));
      raw.deleteObject(b -> b.bucket(bucket).key("repo/keys/k1"));

      VersionRecovery result = store.recoverOriginals(EVERYTHING, false, reported::add);

      assertThat(result.originalsCopied()).isOne();
      assertThat(result.deleteMarkersDeleted()).isOne();
      assertThat(result.foreignVersionsDeleted()).isZero();
      assertThat(reported)
          .singleElement()
          .satisfies(
              object -> {
                assertThat(object.kind()).isEqualTo(Kind.ORIGINAL_COPIED);
                assertThat(object.detail())
                    .contains("copied the original (version " + original + ") on top as version")
                    .doesNotContain("as version null")
                    .contains("retained until")
                    .contains("compliance mode");
              });
      assertThat(store.read("keys/k1")).isEqualTo(keys);
      // The copy is as protected as the original: same retention, legal hold too.
      assertThat(store.lock("keys/k1").retention()).contains(retention);
      assertThat(store.lock("keys/k1").legalHold()).isTrue();
      List<String> versions = versionIds(raw, bucket).get("repo/keys/k1");
      assertThat(versions).hasSize(3).last().isEqualTo(original);
      assertThat(reported.getFirst().detail()).contains("on top as version " + versions.getFirst());

      // A second run finds the copy as good as the original and changes nothing.
      reported.clear();
      VersionRecovery again = store.recoverOriginals(EVERYTHING, false, reported::add);
      assertThat(again.recovered() + again.unrecoverable()).isZero();
      assertThat(reported).isEmpty();
      assertThat(versionIds(raw, bucket).get("repo/keys/k1")).isEqualTo(versions);
    }
  }

  @Test
  void aMultipartOriginalCopiedBackCountsAsTheOriginalByItsContent() throws Exception {
    String bucket = lockedBucket();
    S3Tuning parts = S3Tuning.DEFAULTS.withMultipart(5L * MIB, 5 * MIB, 2);
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", parts)) {
      byte[] pack = bytes(11 * MIB, 11);
      store.createRetained("packs/data/cd/big", pack, retention);
      raw.putObject(
          b ->
              b.bucket(bucket)
                  .key("repo/packs/data/cd/big")
                  .objectLockMode("GOVERNANCE")
                  .objectLockRetainUntilDate(Instant.now().plus(1, ChronoUnit.DAYS)),
          RequestBody.fromBytes(bytes(11 * MIB, 12)));

      assertThat(store.recoverOriginals(EVERYTHING, false, reported::add).originalsCopied())
          .isOne();
      assertThat(store.read("packs/data/cd/big")).isEqualTo(pack);
      List<String> versions = versionIds(raw, bucket).get("repo/packs/data/cd/big");

      reported.clear();
      VersionRecovery again = store.recoverOriginals(EVERYTHING, false, reported::add);
      assertThat(again.objectsExamined()).isOne();
      assertThat(reported).isEmpty();
      assertThat(versionIds(raw, bucket).get("repo/packs/data/cd/big")).isEqualTo(versions);
    }
  }

  @Test
  void keysWithManyVersionsAcrossSmallPagesAllComeBackAndNoOriginalIsDeleted() throws Exception {
    String bucket = lockedBucket();
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS.withListPageSize(2))) {
      Map<String, byte[]> contents = new LinkedHashMap<>();
      for (int i = 0; i < 7; i++) {
        byte[] content = bytes(1000 + i, 100 + i);
        contents.put("packs/data/0" + i + "/p" + i, content);
        store.createRetained("packs/data/0" + i + "/p" + i, content, retention);
      }
      Map<String, List<String>> originals = versionIds(raw, bucket);
      SplittableRandom random = new SplittableRandom(13);
      for (int i = 0; i < 7; i += 2) { // every other key gets a pile of foreign writes
        String key = "repo/packs/data/0" + i + "/p" + i;
        for (int layer = 0; layer < 4; layer++) {
          if (random.nextBoolean()) {
            raw.deleteObject(b -> b.bucket(bucket).key(key));
          } else {
            put(raw, bucket, key, bytes(20 + layer, random.nextLong()));
          }
        }
        raw.deleteObject(b -> b.bucket(bucket).key(key));
      }

      VersionRecovery result = store.recoverOriginals(EVERYTHING, false, reported::add);

      assertThat(result.objectsExamined()).isEqualTo(7);
      assertThat(result.recovered()).isEqualTo(4);
      assertThat(result.unrecoverable()).isZero();
      assertThat(reported)
          .extracting(RecoveredObject::name)
          .containsExactly(
              "packs/data/00/p0", "packs/data/02/p2", "packs/data/04/p4", "packs/data/06/p6");
      for (var entry : contents.entrySet()) {
        assertThat(store.read(entry.getKey())).as(entry.getKey()).isEqualTo(entry.getValue());
      }
      assertThat(versionIds(raw, bucket)).isEqualTo(originals);
    }
  }

  /**
   * Without Object Lock the server would let the recovery delete anything, originals included: a
   * seeded random pile of deletes, foreign writes (some of the original's size) and rewrites of the
   * original's own bytes over unretained objects; afterwards every original version is still there
   * and current in content.
   */
  @Test
  void aRandomAttackOnAnUnlockedBucketNeverCostsAnOriginalVersion() throws Exception {
    String bucket = "versioned-" + ++buckets;
    try (S3Client raw = ceph.client()) {
      raw.createBucket(b -> b.bucket(bucket));
      raw.putBucketVersioning(
          b -> b.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
    }
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS.withListPageSize(3))) {
      SplittableRandom random = new SplittableRandom(42);
      Map<String, byte[]> contents = new LinkedHashMap<>();
      for (int i = 0; i < 12; i++) {
        byte[] content = bytes(64 + random.nextInt(4), random.nextLong());
        contents.put("index/o" + i, content);
        store.create("index/o" + i, content);
      }
      Map<String, List<String>> originals = versionIds(raw, bucket);
      List<String> names = List.copyOf(contents.keySet());
      for (int step = 0; step < 60; step++) {
        String name = names.get(random.nextInt(names.size()));
        String key = "repo/" + name;
        switch (random.nextInt(3)) {
          case 0 -> raw.deleteObject(b -> b.bucket(bucket).key(key));
          case 1 -> put(raw, bucket, key, bytes(64 + random.nextInt(4), random.nextLong()));
          default -> put(raw, bucket, key, contents.get(name));
        }
      }

      VersionRecovery result = store.recoverOriginals(EVERYTHING, false, reported::add);

      assertThat(result.unrecoverable()).isZero();
      assertThat(result.originalsCopied()).isZero();
      assertThat(result.recovered()).isPositive();
      Map<String, List<String>> after = versionIds(raw, bucket);
      for (String name : names) {
        String key = "repo/" + name;
        assertThat(after.get(key)).as(key).last().isEqualTo(originals.get(key).getFirst());
        assertThat(store.read(name)).as(name).isEqualTo(contents.get(name));
      }
      reported.clear();
      assertThat(store.recoverOriginals(EVERYTHING, false, reported::add).recovered()).isZero();
      assertThat(reported).isEmpty();
    }
  }

  @Test
  void aDryRunChangesNothingAndPredictsTheRun() throws Exception {
    String bucket = lockedBucket();
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS)) {
      store.createRetained("config", bytes(10, 20), retention);
      store.createRetained("index/a", bytes(10, 21), retention);
      store.createRetained("index/b", bytes(10, 22), retention);
      raw.deleteObject(b -> b.bucket(bucket).key("repo/config"));
      put(raw, bucket, "repo/index/a", bytes(5, 23));
      raw.putObject(
          b ->
              b.bucket(bucket)
                  .key("repo/index/b")
                  .objectLockMode("COMPLIANCE")
                  .objectLockRetainUntilDate(Instant.now().plus(1, ChronoUnit.DAYS)),
          RequestBody.fromBytes(bytes(5, 24)));
      Map<String, List<String>> before = allVersionIds(raw, bucket);

      VersionRecovery dry = store.recoverOriginals(EVERYTHING, true, reported::add);

      assertThat(allVersionIds(raw, bucket)).isEqualTo(before);
      assertThat(store.stat("config")).isEmpty();
      assertThat(dry.dryRun()).isTrue();
      List<RecoveredObject> predicted = List.copyOf(reported);
      assertThat(predicted)
          .extracting(RecoveredObject::name, RecoveredObject::kind)
          .containsExactly(
              Tuple.tuple("config", Kind.MARKERS_REMOVED),
              Tuple.tuple("index/a", Kind.OVERWRITE_REMOVED),
              Tuple.tuple("index/b", Kind.ORIGINAL_COPIED));
      assertThat(predicted.get(0).detail()).isEqualTo("would remove 1 delete marker(s)");

      reported.clear();
      VersionRecovery run = store.recoverOriginals(EVERYTHING, false, reported::add);
      assertThat(reported)
          .extracting(RecoveredObject::name, RecoveredObject::kind)
          .containsExactlyElementsOf(
              predicted.stream().map(o -> Tuple.tuple(o.name(), o.kind())).toList());
      assertThat(run).usingRecursiveComparison().ignoringFields("dryRun").isEqualTo(dry);
      assertThat(store.stat("config")).isPresent();
    }
  }

  @Test
  void onlyTheGivenPrefixesOfTheStoresOwnPrefixAreTouched() throws Exception {
    String bucket = lockedBucket();
    try (S3Client raw = ceph.client();
        S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS)) {
      store.create("locks/l1", bytes(10, 30));
      store.createRetained("packs/data/aa/p", bytes(10, 31), retention);
      put(raw, bucket, "other/packs/data/aa/p", bytes(10, 32));
      for (String key : List.of("repo/locks/l1", "repo/packs/data/aa/p", "other/packs/data/aa/p")) {
        raw.deleteObject(b -> b.bucket(bucket).key(key));
      }

      VersionRecovery result =
          store.recoverOriginals(List.of("packs/", "index/"), false, reported::add);

      assertThat(result.objectsExamined()).isOne();
      assertThat(reported).extracting(RecoveredObject::name).containsExactly("packs/data/aa/p");
      assertThat(store.stat("packs/data/aa/p")).isPresent();
      assertThat(store.stat("locks/l1")).isEmpty();
      assertThatThrownBy(() -> raw.headObject(b -> b.bucket(bucket).key("other/packs/data/aa/p")))
          .isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class);
    }
  }

  @Test
  void aBucketWithoutVersioningHasNothingHiddenAndIsLeftAlone() throws Exception {
    String bucket = "plain-" + ++buckets;
    try (S3Client raw = ceph.client()) {
      raw.createBucket(b -> b.bucket(bucket));
      put(raw, bucket, "repo/config", bytes(10, 40));
      try (S3BlobStore store = open(bucket + "/repo", S3Tuning.DEFAULTS)) {
        VersionRecovery result = store.recoverOriginals(EVERYTHING, false, reported::add);

        assertThat(result.versioned()).isFalse();
        assertThat(result.objectsExamined()).isZero();
        assertThat(reported).isEmpty();
        assertThat(store.read("config")).isEqualTo(bytes(10, 40));
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static String lockedBucket() throws IOException {
    String bucket = "recovery-" + ++buckets;
    ceph.createLockedBucket(bucket);
    return bucket;
  }

  private static S3BlobStore open(String bucketAndPrefix, S3Tuning tuning) throws IOException {
    return new S3BlobStoreProvider(tuning)
        .open(
            ceph.url(bucketAndPrefix),
            new BlobStoreProvider.Context(ceph.environment(), Optional.empty(), false));
  }

  private static void put(S3Client raw, String bucket, String key, byte[] content) {
    raw.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
  }

  /** Key to the ids of its data versions, newest first (the create probe left out). */
  private static Map<String, List<String>> versionIds(S3Client raw, String bucket) {
    Map<String, List<String>> ids = new LinkedHashMap<>();
    raw.listObjectVersionsPaginator(b -> b.bucket(bucket))
        .versions()
        .forEach(
            v -> {
              if (!v.key().endsWith(".cairn-create-probe")) {
                ids.computeIfAbsent(v.key(), k -> new ArrayList<>()).add(v.versionId());
              }
            });
    return ids;
  }

  /** {@link #versionIds} with the delete markers too, as "marker:ID". */
  private static Map<String, List<String>> allVersionIds(S3Client raw, String bucket) {
    Map<String, List<String>> ids = versionIds(raw, bucket);
    raw.listObjectVersionsPaginator(b -> b.bucket(bucket))
        .deleteMarkers()
        .forEach(
            m ->
                ids.computeIfAbsent(m.key(), k -> new ArrayList<>())
                    .add("marker:" + m.versionId()));
    return ids;
  }

  private static byte[] bytes(int size, long seed) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }
}
