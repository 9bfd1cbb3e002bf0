package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreContractTest;
import dev.cairn.storage.BlobStoreProvider;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The contract on S3Mock, objects under a key prefix in a fresh bucket per test, plus what only S3
 * has: multipart uploads, paged listings, buckets and the provider's URL.
 */
class S3MockBlobStoreTest extends BlobStoreContractTest {
  private static final int MIB = 1024 * 1024;

  private static S3MockServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3MockServer.shared();
  }

  @Override
  protected BlobStore newStore() throws IOException {
    return open(S3MockServer.newBucketName("contract") + "/repo", true, S3Tuning.DEFAULTS);
  }

  private static S3BlobStore open(String bucketAndPrefix, boolean create, S3Tuning tuning)
      throws IOException {
    return new S3BlobStoreProvider(tuning)
        .open(
            server.url(bucketAndPrefix),
            new BlobStoreProvider.Context(server.environment(), Optional.empty(), create));
  }

  @Test
  void aFortyMebibyteObjectGoesUpInPartsAndReadsBackInRanges() throws IOException {
    S3Tuning parts = S3Tuning.DEFAULTS.withMultipart(16L * MIB, 8 * MIB, 3);
    try (S3BlobStore big = open(S3MockServer.newBucketName("multipart"), true, parts);
        S3Client raw = rawClient()) {
      byte[] content = randomBytes(40 * MIB, new SplittableRandom(40));

      big.create("packs/large", content);

      assertThat(big.stat("packs/large")).contains(new ObjectInfo("packs/large", 40L * MIB));
      SplittableRandom random = new SplittableRandom(41);
      for (int i = 0; i < 8; i++) {
        int length = random.nextInt(1, 3 * MIB);
        int offset = random.nextInt(0, content.length - length + 1);
        assertThat(big.readRange("packs/large", offset, length))
            .as("range %d+%d", offset, length)
            .isEqualTo(Arrays.copyOfRange(content, offset, offset + length));
      }
      // Across the boundary of parts 2 and 3, and the last byte.
      assertThat(big.readRange("packs/large", 16L * MIB - 5, 10))
          .isEqualTo(Arrays.copyOfRange(content, 16 * MIB - 5, 16 * MIB + 5));
      assertThat(big.readRange("packs/large", content.length - 1, 1))
          .containsExactly(content[content.length - 1]);
      assertThat(big.read("packs/large")).isEqualTo(content);
      assertThat(raw.listMultipartUploads(b -> b.bucket(bucketOf(big))).uploads()).isEmpty();
    }
  }

  @Test
  void aMultipartCreateOfAnExistingNameIsRefusedAndLeavesNoUpload() throws IOException {
    S3Tuning parts = S3Tuning.DEFAULTS.withMultipart(5L * MIB, 5 * MIB, 2);
    try (S3BlobStore big = open(S3MockServer.newBucketName("refused"), true, parts);
        S3Client raw = rawClient()) {
      byte[] original = randomBytes(11 * MIB, new SplittableRandom(1));
      big.create("packs/p", original);

      assertThatThrownBy(
              () -> big.create("packs/p", randomBytes(12 * MIB, new SplittableRandom(2))))
          .isInstanceOf(ObjectExistsException.class)
          .hasMessageContaining("packs/p");
      assertThatThrownBy(() -> big.create("packs/p", new byte[10]))
          .isInstanceOf(ObjectExistsException.class);

      assertThat(big.read("packs/p")).isEqualTo(original);
      assertThat(raw.listMultipartUploads(b -> b.bucket(bucketOf(big))).uploads()).isEmpty();
    }
  }

  @Test
  void theServerItselfRefusesAConditionalCreateOfAnExistingKey() throws IOException {
    // Skip the store's own HEAD checks: a put with If-None-Match must fail at the server.
    assertThat(((S3BlobStore) store).createGuarantee())
        .isEqualTo(S3BlobStore.CreateGuarantee.IF_NONE_MATCH);
    store.create("index/0001", new byte[] {1});

    assertThatThrownBy(() -> store.create("index/0001", new byte[] {2}))
        .isInstanceOf(ObjectExistsException.class)
        .hasMessage(
            "Cannot create object index/0001 in " + store.location() + ": it already exists");
    assertThat(store.read("index/0001")).containsExactly(1);
  }

  @Test
  void listingsFollowContinuationTokensAcrossManySmallPages() throws IOException {
    try (S3BlobStore paged =
        open(
            S3MockServer.newBucketName("pages") + "/deep/prefix",
            true,
            S3Tuning.DEFAULTS.withListPageSize(7))) {
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 61; i++) {
        String name = String.format("index/%03d", i);
        paged.create(name, new byte[i]);
        created.add(name);
      }
      paged.create("other", new byte[1]);

      List<ObjectInfo> seen = new ArrayList<>();
      paged.list("index/", seen::add);

      assertThat(seen).extracting(ObjectInfo::name).containsExactlyInAnyOrderElementsOf(created);
      assertThat(seen)
          .allSatisfy(i -> assertThat(i.size()).isEqualTo(Integer.parseInt(i.name().substring(6))));
    }
  }

  @Test
  void objectsLiveUnderTheKeyPrefixAndKeysOutsideItAreNotListed() throws IOException {
    String bucket = S3MockServer.newBucketName("prefix");
    try (S3BlobStore inner = open(bucket + "/a/b", true, S3Tuning.DEFAULTS);
        S3BlobStore outer = open(bucket, false, S3Tuning.DEFAULTS)) {
      inner.create("data/x", new byte[3]);
      outer.create("data/y", new byte[4]);

      assertThat(outer.stat("a/b/data/x")).contains(new ObjectInfo("a/b/data/x", 3));
      assertThat(listing(inner)).containsOnly(Map.entry("data/x", 3L));
      assertThat(listing(outer)).containsOnly(Map.entry("a/b/data/x", 3L), Map.entry("data/y", 4L));
      assertThat(inner.location()).isEqualTo(server.url(bucket + "/a/b"));
    }
  }

  @Test
  void openingAMissingBucketWithoutCreateFailsNamingIt() {
    String bucket = S3MockServer.newBucketName("missing");

    assertThatThrownBy(() -> open(bucket + "/repo", false, S3Tuning.DEFAULTS))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot open repository "
                + server.url(bucket + "/repo")
                + ": bucket "
                + bucket
                + " does not exist");
  }

  @Test
  void openingWithCreateMakesTheBucketAndOpeningAgainFindsTheObjects() throws IOException {
    String bucket = S3MockServer.newBucketName("created");
    try (S3BlobStore first = open(bucket, true, S3Tuning.DEFAULTS)) {
      first.create("config", new byte[] {9});
    }
    try (S3BlobStore again = open(bucket, true, S3Tuning.DEFAULTS)) {
      assertThat(again.read("config")).containsExactly(9);
    }
  }

  @Test
  void theProviderIsFoundByItsSchemeAndTakesTheEndpointFromTheEnvironment() throws IOException {
    BlobStoreProvider provider =
        ServiceLoader.load(BlobStoreProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.schemes().contains("s3"))
            .findFirst()
            .orElseThrow();
    String bucket = S3MockServer.newBucketName("env");
    Map<String, String> environment = new java.util.HashMap<>(server.environment());
    environment.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + server.port());

    try (BlobStore viaEnvironment =
        provider.open(
            "s3://" + bucket + "/p",
            new BlobStoreProvider.Context(environment, Optional.empty(), true))) {
      viaEnvironment.create("x", new byte[2]);
      assertThat(viaEnvironment.location()).isEqualTo(server.url(bucket + "/p"));
    }
  }

  @Test
  void storageClassesAndLockSettingsAreSentWithTheObject() throws IOException {
    // S3Mock stores these without enforcing them; Ceph's test proves the enforcement.
    S3BlobStore s3 = (S3BlobStore) store;
    s3.create("archive/pack", new byte[5], StorageClass.STANDARD_IA);
    s3.create("plain", new byte[5]);

    assertThat(s3.storageClass("archive/pack")).isEqualTo(StorageClass.STANDARD_IA);
    assertThat(s3.storageClass("plain")).isEqualTo(StorageClass.STANDARD);
    assertThatThrownBy(() -> s3.storageClass("missing"))
        .isInstanceOf(dev.cairn.storage.NoSuchObjectException.class);
    Instant until = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    assertThat(until).isAfter(Instant.now());
  }

  private static Map<String, Long> listing(BlobStore store) throws IOException {
    Map<String, Long> listed = new java.util.HashMap<>();
    store.list("", info -> listed.put(info.name(), info.size()));
    return listed;
  }

  private static String bucketOf(S3BlobStore store) {
    return S3Location.parse(store.location(), Optional.empty()).bucket();
  }

  private static S3Client rawClient() throws IOException {
    return S3BlobStore.newClient(
        S3Location.parse(server.url("any"), Optional.empty()),
        server.environment(),
        S3Tuning.DEFAULTS);
  }

  private static byte[] randomBytes(int size, SplittableRandom random) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i += 8) {
      long value = random.nextLong();
      for (int j = 0; j < 8 && i + j < size; j++) {
        bytes[i + j] = (byte) (value >>> (8 * j));
      }
    }
    return bytes;
  }
}
