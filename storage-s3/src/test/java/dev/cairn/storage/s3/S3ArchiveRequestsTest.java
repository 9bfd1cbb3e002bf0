package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.RehydratePriority;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.s3.FakeS3Endpoint.Request;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exact S3 requests of the archive tier, at the HTTP level, against {@link FakeS3Endpoint}:
 * CopyObject onto the same key with the storage class, the metadata copied and the Object Lock
 * carried; RestoreObject's XML body; the copy back to STANDARD once the temporary copy is there;
 * what happens to superseded versions; and the answers S3 gives that no emulator does.
 */
class S3ArchiveRequestsTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static final String PACK = "packs/data/ab/abcd";
  private static final String KEY = "vms/" + PACK;
  private static FakeS3Endpoint endpoint;

  private String bucket;
  private final byte[] content = bytes(70_000, 11);

  @BeforeAll
  static void startEndpoint() throws IOException {
    endpoint = FakeS3Endpoint.start();
  }

  @AfterAll
  static void stopEndpoint() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  @BeforeEach
  void newBucketName() {
    bucket = "requests-" + BUCKETS.incrementAndGet();
    endpoint.completeRestoresAfterHeads(-1);
    endpoint.refuseExpedited(false);
  }

  private S3BlobStore store(boolean versioned, boolean objectLock, Map<String, String> settings)
      throws IOException {
    endpoint.createBucket(bucket, versioned, objectLock);
    return S3ArchiveContractTest.open(endpoint, bucket + "/vms", settings);
  }

  private S3BlobStore store() throws IOException {
    return store(false, false, Map.of());
  }

  /** The one request that changed something since the last clear, which must be a CopyObject. */
  private Request onlyCopy() {
    List<Request> changes =
        endpoint.requests().stream()
            .filter(r -> r.method().equals("PUT") || r.method().equals("POST"))
            .toList();
    assertThat(changes).hasSize(1);
    Request copy = changes.getFirst();
    assertThat(copy.key()).isEqualTo(KEY);
    assertThat(copy.header("x-amz-copy-source")).isNotNull();
    return copy;
  }

  private static String copySource(Request copy) {
    String source = URLDecoder.decode(copy.header("x-amz-copy-source"), StandardCharsets.UTF_8);
    return source.startsWith("/") ? source.substring(1) : source;
  }

  @Test
  void archivingCopiesTheObjectOntoItselfInGlacierWithItsMetadata() throws IOException {
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      endpoint.clearRequests();

      store.archive(PACK);

      Request copy = onlyCopy();
      assertThat(copy.method()).isEqualTo("PUT");
      assertThat(copySource(copy)).isEqualTo(bucket + "/" + KEY);
      assertThat(copy.header("x-amz-storage-class")).isEqualTo("GLACIER");
      assertThat(copy.header("x-amz-metadata-directive")).isEqualTo("COPY");
      assertThat(copy.headers().keySet()).noneMatch(h -> h.startsWith("x-amz-object-lock"));
      assertThat(endpoint.changes()).containsExactly("PUT " + KEY);
      assertThat(endpoint.current(bucket, KEY).orElseThrow().storageClass()).isEqualTo("GLACIER");
      assertThat(endpoint.current(bucket, KEY).orElseThrow().content()).isEqualTo(content);
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ARCHIVED);
      assertThat(store.stat(PACK).orElseThrow().size()).isEqualTo(content.length);

      endpoint.clearRequests();
      store.archive(PACK);
      assertThat(endpoint.changes()).isEmpty();
    }
  }

  @Test
  void deepArchiveIsChosenByTheEnvironment() throws IOException {
    try (S3BlobStore store =
        store(false, false, Map.of("CAIRN_S3_ARCHIVE_CLASS", "deep-archive"))) {
      store.create(PACK, content);
      endpoint.clearRequests();

      store.archive(PACK);

      assertThat(store.archiveClass()).isEqualTo(StorageClass.DEEP_ARCHIVE);
      assertThat(onlyCopy().header("x-amz-storage-class")).isEqualTo("DEEP_ARCHIVE");
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ARCHIVED);
    }
  }

  @Test
  void anotherArchiveClassIsRefusedWhenTheStoreOpens() {
    endpoint.createBucket(bucket, false, false);
    assertThatThrownBy(
            () ->
                S3ArchiveContractTest.open(
                    endpoint, bucket + "/vms", Map.of("CAIRN_S3_ARCHIVE_CLASS", "GLACIER_IR")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot open repository "
                + endpoint.url(bucket + "/vms")
                + ": CAIRN_S3_ARCHIVE_CLASS must be GLACIER or DEEP_ARCHIVE, not 'GLACIER_IR'");
  }

  @Test
  void aReadOfAnArchivedObjectIsTheArchivedExceptionNamingARestoreInProgress() throws IOException {
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      store.archive(PACK);

      assertThatThrownBy(() -> store.readRange(PACK, 10, 20))
          .isInstanceOf(ArchivedObjectException.class)
          .hasMessage(
              "Cannot read object "
                  + PACK
                  + " in "
                  + store.location()
                  + ": archived, rehydrate first");
      store.rehydrate(PACK, RehydratePriority.STANDARD);
      assertThatThrownBy(() -> store.read(PACK))
          .isInstanceOf(ArchivedObjectException.class)
          .hasMessageEndingWith(": archived, rehydration in progress")
          .satisfies(e -> assertThat(((ArchivedObjectException) e).rehydrating()).isTrue());
    }
  }

  @Test
  void rehydratingAsksForATemporaryCopyThenCopiesItBackToStandardWhenItIsThere()
      throws IOException {
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      store.archive(PACK);
      endpoint.clearRequests();

      store.rehydrate(PACK, RehydratePriority.HIGH);
      store.rehydrate(PACK, RehydratePriority.HIGH); // in progress: not asked again

      assertThat(endpoint.changes()).containsExactly("POST " + KEY + "?restore");
      Request restore =
          endpoint.requests().stream().filter(r -> r.method().equals("POST")).findFirst().get();
      assertThat(restore.body())
          .contains("<Days>3</Days>")
          .containsPattern(
              "<GlacierJobParameters>\\s*<Tier>Expedited</Tier>\\s*</GlacierJobParameters>");
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.REHYDRATING);
      assertThat(store.objectClass(PACK).restore()).isEqualTo(ObjectClass.Restore.IN_PROGRESS);

      endpoint.completeRestores();
      assertThat(store.objectClass(PACK).restore()).isEqualTo(ObjectClass.Restore.RESTORED);
      assertThat(store.objectClass(PACK).restoredUntil()).isPresent();
      endpoint.clearRequests();
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ONLINE);

      Request copy = onlyCopy();
      assertThat(copySource(copy)).isEqualTo(bucket + "/" + KEY);
      assertThat(copy.header("x-amz-storage-class")).isEqualTo("STANDARD");
      assertThat(copy.header("x-amz-metadata-directive")).isEqualTo("COPY");
      FakeS3Endpoint.Version current = endpoint.current(bucket, KEY).orElseThrow();
      assertThat(current.storageClass()).isEqualTo("STANDARD");
      assertThat(current.restore()).isNull(); // a copy for good, not a temporary one
      assertThat(store.read(PACK)).isEqualTo(content);

      endpoint.clearRequests();
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ONLINE);
      assertThat(endpoint.requests()).extracting(Request::method).containsExactly("HEAD");
    }
  }

  @Test
  void standardPriorityAndDeepArchiveAskForTheStandardTier() throws IOException {
    try (S3BlobStore store =
        store(false, false, Map.of("CAIRN_S3_ARCHIVE_CLASS", "DEEP_ARCHIVE"))) {
      store.create(PACK, content);
      store.create("packs/data/cd/cdef", content);
      store.archive(PACK);
      store.archive("packs/data/cd/cdef");
      endpoint.clearRequests();

      store.rehydrate(PACK, RehydratePriority.HIGH); // Deep Archive has no Expedited
      store.rehydrate("packs/data/cd/cdef", RehydratePriority.STANDARD);

      assertThat(endpoint.requests().stream().filter(r -> r.method().equals("POST")))
          .extracting(Request::body)
          .allSatisfy(
              body -> assertThat(body).contains("<Days>3</Days>").contains("<Tier>Standard</Tier>"))
          .hasSize(2);
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.REHYDRATING);
    }
    assertThat(TieredStore.retrievalTier(StorageClass.GLACIER, RehydratePriority.STANDARD))
        .isEqualTo(RetrievalTier.STANDARD);
    assertThat(TieredStore.retrievalTier(StorageClass.GLACIER, RehydratePriority.HIGH))
        .isEqualTo(RetrievalTier.EXPEDITED);
  }

  @Test
  void whenAwsHasNoExpeditedCapacityTheRestoreIsAskedAtStandard() throws IOException {
    endpoint.refuseExpedited(true);
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      store.create("packs/data/cd/cdef", content);
      store.archive(PACK);
      store.archive("packs/data/cd/cdef");
      endpoint.clearRequests();

      store.rehydrate(PACK, RehydratePriority.HIGH);
      store.rehydrate("packs/data/cd/cdef", RehydratePriority.HIGH);

      List<String> tiers =
          endpoint.requests().stream()
              .filter(r -> r.method().equals("POST"))
              .map(r -> r.body().contains("<Tier>Expedited</Tier>") ? "Expedited" : "Standard")
              .toList();
      // The first Expedited is tried (and retried by the SDK as a 503), later ones are not.
      assertThat(tiers).startsWith("Expedited").endsWith("Standard", "Standard");
      assertThat(tiers).filteredOn("Standard"::equals).hasSize(2);
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.REHYDRATING);
      assertThat(store.state("packs/data/cd/cdef")).isEqualTo(ArchiveState.REHYDRATING);
    }
  }

  @Test
  void aRestoreAnotherClientStartedIsNotAnError() throws IOException {
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      store.archive(PACK);
      store.restore(PACK, 3, RetrievalTier.STANDARD);
      endpoint.clearRequests();

      store.restore(PACK, 3, RetrievalTier.STANDARD); // 409 RestoreAlreadyInProgress

      assertThat(endpoint.changes()).containsExactly("POST " + KEY + "?restore");
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.REHYDRATING);
    }
  }

  @Test
  void aTemporaryCopyThatExpiredBeforeAnyoneLookedIsArchivedAgain() throws IOException {
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      store.archive(PACK);
      store.rehydrate(PACK, RehydratePriority.STANDARD);
      endpoint.completeRestores();
      endpoint.expireRestores();

      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ARCHIVED);
      endpoint.clearRequests();
      store.rehydrate(PACK, RehydratePriority.STANDARD);
      assertThat(endpoint.changes()).containsExactly("POST " + KEY + "?restore");
    }
  }

  @Test
  void anArchivedObjectWithoutARestoredCopyIsNotCopied() throws IOException {
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      store.archive(PACK);
      endpoint.clearRequests();

      assertThatThrownBy(() -> store.changeStorageClass(PACK, StorageClass.STANDARD))
          .isInstanceOf(IOException.class)
          .hasMessage(
              "Cannot move object "
                  + PACK
                  + " in "
                  + store.location()
                  + " to storage class STANDARD: it is in GLACIER without a restored copy;"
                  + " rehydrate it first");
      assertThat(endpoint.changes()).isEmpty();
    }
  }

  @Test
  void glacierInstantRetrievalIsOnlineAndArchivingMovesItToGlacier() throws IOException {
    try (S3BlobStore store = store()) {
      store.create(PACK, content);
      endpoint.transition(bucket, KEY, "GLACIER_IR");

      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ONLINE);
      assertThat(store.read(PACK)).isEqualTo(content);
      endpoint.clearRequests();
      store.rehydrate(PACK, RehydratePriority.HIGH);
      assertThat(endpoint.changes()).isEmpty();

      store.archive(PACK);
      assertThat(onlyCopy().header("x-amz-storage-class")).isEqualTo("GLACIER");
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ARCHIVED);
    }
  }

  @Test
  void onAVersionedBucketTheCopyIsOfTheVersionFoundAndTheSupersededOneIsDeleted()
      throws IOException {
    try (S3BlobStore store = store(true, false, Map.of())) {
      store.create(PACK, content);
      String original = endpoint.current(bucket, KEY).orElseThrow().versionId();
      endpoint.clearRequests();

      store.archive(PACK);

      Request copy = onlyCopy();
      assertThat(copySource(copy)).isEqualTo(bucket + "/" + KEY + "?versionId=" + original);
      assertThat(copy.headers().keySet()).noneMatch(h -> h.startsWith("x-amz-object-lock"));
      assertThat(endpoint.changes())
          .containsExactly("PUT " + KEY, "DELETE " + KEY + "?versionId=" + original);
      assertThat(endpoint.versions(bucket, KEY))
          .singleElement()
          .satisfies(v -> assertThat(v.storageClass()).isEqualTo("GLACIER"));
    }
  }

  @Test
  void onAnObjectLockBucketTheCopyCarriesTheRetentionAndTheRetainedVersionStays()
      throws IOException {
    Retention retention =
        new Retention(RetentionMode.COMPLIANCE, Instant.now().plus(Duration.ofDays(30)));
    try (S3BlobStore store = store(true, true, Map.of())) {
      store.createRetained(PACK, content, retention);
      String original = endpoint.current(bucket, KEY).orElseThrow().versionId();
      endpoint.clearRequests();

      store.archive(PACK);

      Request copy = onlyCopy();
      assertThat(copySource(copy)).isEqualTo(bucket + "/" + KEY + "?versionId=" + original);
      assertThat(copy.header("x-amz-storage-class")).isEqualTo("GLACIER");
      assertThat(copy.header("x-amz-object-lock-mode")).isEqualTo("COMPLIANCE");
      assertThat(Instant.parse(copy.header("x-amz-object-lock-retain-until-date")))
          .isEqualTo(retention.retainUntil());
      assertThat(copy.header("x-amz-object-lock-legal-hold")).isNull();
      assertThat(endpoint.changes()).containsExactly("PUT " + KEY); // the old one is retained
      assertThat(store.retention(PACK)).contains(retention);
      assertThat(endpoint.versions(bucket, KEY))
          .extracting(FakeS3Endpoint.Version::storageClass)
          .containsExactly("STANDARD", "GLACIER");
      assertThat(endpoint.versions(bucket, KEY))
          .allSatisfy(v -> assertThat(v.retainUntil()).contains(retention.retainUntil()));

      store.rehydrate(PACK, RehydratePriority.STANDARD);
      endpoint.completeRestores();
      endpoint.clearRequests();
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ONLINE);
      assertThat(onlyCopy().header("x-amz-object-lock-mode")).isEqualTo("COMPLIANCE");
      assertThat(store.retention(PACK)).contains(retention);
      assertThat(store.read(PACK)).isEqualTo(content);
      assertThat(endpoint.versions(bucket, KEY)).hasSize(3);
    }
  }

  @Test
  void aLegalHoldIsCarriedAndKeepsTheSupersededVersion() throws IOException {
    try (S3BlobStore store = store(true, true, Map.of())) {
      store.create(PACK, content, ObjectLock.legalHoldOnly());
      endpoint.clearRequests();

      store.archive(PACK);

      Request copy = onlyCopy();
      assertThat(copy.header("x-amz-object-lock-legal-hold")).isEqualTo("ON");
      assertThat(copy.header("x-amz-object-lock-mode")).isNull();
      assertThat(store.lock(PACK)).isEqualTo(ObjectLock.legalHoldOnly());
      assertThat(endpoint.versions(bucket, KEY)).hasSize(2);
    }
  }

  @Test
  void aRetentionOverByCairnsClockIsNotCarriedAndARefusedDeleteOnlyWarns() throws IOException {
    Instant until = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    endpoint.createBucket(bucket, true, true);
    S3Location location = S3Location.parse(endpoint.url(bucket + "/vms"), Optional.empty());
    S3Tuning tuning = S3Tuning.DEFAULTS.withRetries(2, Duration.ofMillis(1), Duration.ofMillis(5));
    // Cairn's clock is two days ahead of the server's, which still holds the old version.
    Clock ahead = Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC);
    try (S3BlobStore store =
        S3BlobStore.onClient(
            S3BlobStore.newClient(location, endpoint.environment(), tuning),
            location,
            tuning,
            S3BlobStore.CreateGuarantee.IF_NONE_MATCH,
            StorageClass.GLACIER,
            ahead)) {
      store.createRetained(PACK, content, new Retention(RetentionMode.GOVERNANCE, until));
      String original = endpoint.current(bucket, KEY).orElseThrow().versionId();
      endpoint.clearRequests();

      store.archive(PACK);

      assertThat(onlyCopy().headers().keySet()).noneMatch(h -> h.startsWith("x-amz-object-lock"));
      assertThat(endpoint.changes())
          .containsExactly("PUT " + KEY, "DELETE " + KEY + "?versionId=" + original);
      assertThat(endpoint.versions(bucket, KEY))
          .extracting(FakeS3Endpoint.Version::storageClass)
          .containsExactly("STANDARD", "GLACIER");
      assertThat(store.state(PACK)).isEqualTo(ArchiveState.ARCHIVED);
    }
  }

  private static byte[] bytes(int length, long seed) {
    byte[] bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }
}
