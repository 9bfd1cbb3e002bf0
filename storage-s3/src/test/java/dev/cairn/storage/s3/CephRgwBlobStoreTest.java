package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import dev.cairn.storage.BlobStoreProvider;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.RetainingBlobStoreContractTest;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The contract on Ceph RGW (a fresh bucket per test), then Object Lock as a real server enforces
 * it: deleting a locked version is refused and the object stays readable.
 */
class CephRgwBlobStoreTest extends BlobStoreContractTest {
  private static final int MIB = 1024 * 1024;
  private static CephRgw ceph;
  private static int buckets;

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

  /**
   * A versioned bucket: Ceph RGW 16 ignores If-None-Match, so the store checks with HEAD first,
   * which only a versioned bucket makes safe (newer RGWs enforce the header).
   */
  @Override
  protected BlobStore newStore() throws IOException {
    try (S3Client raw = rawClient()) {
      String bucket = newBucket();
      raw.createBucket(b -> b.bucket(bucket));
      raw.putBucketVersioning(
          b -> b.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
      return open(bucket, false, S3Tuning.DEFAULTS);
    }
  }

  private static synchronized String newBucket() {
    return "contract-" + ++buckets;
  }

  private static S3BlobStore open(String bucketAndPrefix, boolean create, S3Tuning tuning)
      throws IOException {
    return new S3BlobStoreProvider(tuning)
        .open(
            ceph.url(bucketAndPrefix),
            new BlobStoreProvider.Context(ceph.environment(), Optional.empty(), create));
  }

  /** A bucket with Object Lock (and so versioning) enabled, which only its creation can do. */
  private static String lockedBucket(S3Client raw) {
    String bucket = "locked-" + newBucket();
    raw.createBucket(b -> b.bucket(bucket).objectLockEnabledForBucket(true));
    return bucket;
  }

  private static S3Client rawClient() throws IOException {
    return S3BlobStore.newClient(
        S3Location.parse(ceph.url("any"), Optional.empty()), ceph.environment(), S3Tuning.DEFAULTS);
  }

  /** The retention contract on an Object Lock bucket of the same gateway. */
  @Nested
  class Retaining extends RetainingBlobStoreContractTest {
    @Override
    protected RetainingBlobStore newStore() throws IOException {
      try (S3Client raw = rawClient()) {
        return open(lockedBucket(raw), false, S3Tuning.DEFAULTS);
      }
    }
  }

  @Test
  void onAnUnversionedBucketCreatesAreExclusiveOrRefused() throws IOException {
    try (S3BlobStore plain = open(newBucket(), true, S3Tuning.DEFAULTS)) {
      switch (plain.createGuarantee()) {
        case IF_NONE_MATCH -> {
          plain.create("x", new byte[1]);
          assertThatThrownBy(() -> plain.create("x", new byte[2]))
              .isInstanceOf(ObjectExistsException.class);
        }
        case NONE ->
            assertThatThrownBy(() -> plain.create("x", new byte[1]))
                .isInstanceOf(IOException.class)
                .hasMessage(
                    "Cannot create object x in "
                        + plain.location()
                        + ": the server does not enforce If-None-Match and bucket "
                        + bucketOf(plain)
                        + " is not versioned, so a create could replace an object; enable"
                        + " versioning");
        default -> throw new AssertionError("unexpected " + plain.createGuarantee());
      }
      assertThat(plain.stat("missing")).isEmpty();
    }
    assertThat(((S3BlobStore) store).createGuarantee())
        .isIn(
            S3BlobStore.CreateGuarantee.IF_NONE_MATCH,
            S3BlobStore.CreateGuarantee.HEAD_THEN_PUT_VERSIONED);
  }

  @Test
  void aComplianceRetentionRefusesDeletingTheVersionAndKeepsTheObjectReadable() throws Exception {
    try (S3Client raw = rawClient();
        S3BlobStore locked = open(lockedBucket(raw), false, S3Tuning.DEFAULTS)) {
      byte[] content = bytes(70_000, 1);
      Instant until = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
      Retention retention = new Retention(RetentionMode.COMPLIANCE, until);

      locked.create("packs/locked", content, ObjectLock.retainedBy(retention));

      assertThat(locked.lock("packs/locked")).isEqualTo(ObjectLock.retainedBy(retention));
      String bucket = bucketOf(locked);
      String version = raw.headObject(b -> b.bucket(bucket).key("packs/locked")).versionId();
      assertThatThrownBy(
              () -> raw.deleteObject(b -> b.bucket(bucket).key("packs/locked").versionId(version)))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
      assertThat(locked.read("packs/locked")).isEqualTo(content);

      // Shortening leaves the retention as it was, extending moves it.
      locked.extendRetention(
          "packs/locked",
          new Retention(RetentionMode.COMPLIANCE, until.minus(1, ChronoUnit.HOURS)));
      assertThat(locked.lock("packs/locked").retention()).contains(retention);
      Retention longer = new Retention(RetentionMode.COMPLIANCE, until.plus(1, ChronoUnit.DAYS));
      locked.extendRetention("packs/locked", longer);
      assertThat(locked.lock("packs/locked").retention()).contains(longer);

      // The store's delete aims at the locked version and is refused, naming the date.
      assertThatThrownBy(() -> locked.delete("packs/locked"))
          .isInstanceOf(ObjectLockedException.class)
          .hasMessage(
              "Cannot delete object packs/locked in "
                  + locked.location()
                  + ": it is retained until "
                  + longer.retainUntil()
                  + " (compliance mode)");
      assertThat(locked.read("packs/locked")).isEqualTo(content);

      // A plain DeleteObject (any S3 client) only hides the object: the locked version stays.
      raw.deleteObject(b -> b.bucket(bucket).key("packs/locked"));
      assertThat(locked.stat("packs/locked")).isEmpty();
      assertThat(
              raw.getObjectAsBytes(b -> b.bucket(bucket).key("packs/locked").versionId(version))
                  .asByteArray())
          .isEqualTo(content);
    }
  }

  @Test
  void aLegalHoldRefusesDeletingTheVersionUntilItIsRemoved() throws Exception {
    try (S3Client raw = rawClient();
        S3BlobStore locked = open(lockedBucket(raw), false, S3Tuning.DEFAULTS)) {
      byte[] content = bytes(1000, 2);
      locked.create("index/held", content, ObjectLock.legalHoldOnly());
      String bucket = bucketOf(locked);
      String version = raw.headObject(b -> b.bucket(bucket).key("index/held")).versionId();

      assertThat(locked.lock("index/held")).isEqualTo(ObjectLock.legalHoldOnly());
      assertThatThrownBy(
              () -> raw.deleteObject(b -> b.bucket(bucket).key("index/held").versionId(version)))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
      assertThat(locked.read("index/held")).isEqualTo(content);

      locked.setLegalHold("index/held", false);
      assertThat(locked.lock("index/held")).isEqualTo(ObjectLock.NONE);
      raw.deleteObject(b -> b.bucket(bucket).key("index/held").versionId(version));
      assertThat(locked.stat("index/held")).isEmpty();
      assertThatThrownBy(() -> locked.lock("index/held")).isInstanceOf(NoSuchObjectException.class);
    }
  }

  @Test
  void aMultipartUploadIsLockedToo() throws Exception {
    S3Tuning parts = S3Tuning.DEFAULTS.withMultipart(5L * MIB, 5 * MIB, 2);
    try (S3Client raw = rawClient();
        S3BlobStore locked = open(lockedBucket(raw), false, parts)) {
      byte[] content = bytes(11 * MIB, 3);
      Retention retention =
          new Retention(
              RetentionMode.GOVERNANCE,
              Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS));

      locked.create("packs/big", content, ObjectLock.retainedBy(retention));

      assertThat(locked.read("packs/big")).isEqualTo(content);
      assertThat(locked.lock("packs/big").retention()).contains(retention);
      String bucket = bucketOf(locked);
      String version = raw.headObject(b -> b.bucket(bucket).key("packs/big")).versionId();
      assertThatThrownBy(
              () -> raw.deleteObject(b -> b.bucket(bucket).key("packs/big").versionId(version)))
          .isInstanceOf(S3Exception.class);
    }
  }

  @Test
  void wrongKeysAreRefusedWithAccessDeniedNamingTheBucketAndNoSecret() {
    String bucket = newBucket();
    Map<String, String> wrong =
        Map.of(
            "AWS_ACCESS_KEY_ID", CephRgw.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", "wrong-secret-1234");

    assertThatThrownBy(
            () ->
                new S3BlobStoreProvider()
                    .open(
                        ceph.url(bucket),
                        new BlobStoreProvider.Context(wrong, Optional.empty(), true)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bucket " + bucket)
        .hasMessageContaining("access denied")
        .hasMessageNotContaining("wrong-secret-1234")
        .hasMessageStartingWith("Cannot ");
  }

  private static String bucketOf(S3BlobStore store) {
    return S3Location.parse(store.location(), Optional.empty()).bucket();
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
