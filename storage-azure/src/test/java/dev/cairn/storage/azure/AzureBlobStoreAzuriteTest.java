package dev.cairn.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreProvider;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.RehydratePriority;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the contract does not cover, against a real Azurite: tiers, scale, credentials, faults. */
class AzureBlobStoreAzuriteTest {
  private static final int MIB = 1024 * 1024;

  @TempDir static Path azuriteData;
  private static Azurite azurite;

  @BeforeAll
  static void startAzurite() throws Exception {
    azurite = Azurite.start(azuriteData);
  }

  @AfterAll
  static void stopAzurite() throws Exception {
    if (azurite != null) {
      azurite.close();
    }
  }

  // ---- tiers ----------------------------------------------------------------------------------

  @Test
  void anArchivedObjectIsListedAndStattedButItsReadsFailUntilRehydrated() throws IOException {
    AzureBlobStore store = azurite.newStore(AzureSettings.DEFAULT);
    byte[] content = randomBytes(1000, 1);
    store.create("data/ab/abcd", content);

    store.setTier("data/ab/abcd", AccessTier.ARCHIVE);

    assertThat(store.tier("data/ab/abcd").tier()).isEqualTo(AccessTier.ARCHIVE);
    assertThat(store.tier("data/ab/abcd").readable()).isFalse();
    assertThatThrownBy(() -> store.read("data/ab/abcd"))
        .isInstanceOf(ArchivedObjectException.class)
        .hasMessage(
            "Cannot read object data/ab/abcd in "
                + store.location()
                + ": archived, rehydrate first")
        .satisfies(
            e -> assertThat(((ArchivedObjectException) e).objectName()).isEqualTo("data/ab/abcd"));
    assertThatThrownBy(() -> store.readRange("data/ab/abcd", 10, 20))
        .isInstanceOf(ArchivedObjectException.class);
    assertThat(store.stat("data/ab/abcd")).contains(new ObjectInfo("data/ab/abcd", 1000));
    assertThat(listing(store, "data/")).containsExactly(new ObjectInfo("data/ab/abcd", 1000));

    store.rehydrate("data/ab/abcd", AccessTier.COOL, RehydratePriority.HIGH);

    // Azurite rehydrates at once; Azure takes hours, with the object still unreadable meanwhile.
    ObjectTier after = store.tier("data/ab/abcd");
    if (after.readable()) {
      assertThat(after.tier()).isEqualTo(AccessTier.COOL);
      assertThat(store.read("data/ab/abcd")).isEqualTo(content);
    } else {
      assertThat(after.rehydratingTo()).contains(AccessTier.COOL);
      assertThatThrownBy(() -> store.read("data/ab/abcd"))
          .isInstanceOf(ArchivedObjectException.class)
          .hasMessageEndingWith("archived, rehydration in progress");
    }
  }

  @Test
  void coolAndColdObjectsStayReadableAndTierChangesOfMissingObjectsFail() throws IOException {
    AzureBlobStore store = azurite.newStore(AzureSettings.DEFAULT);
    store.create("cool", randomBytes(10, 2));
    store.create("cold", randomBytes(20, 3));

    store.setTier("cool", AccessTier.COOL);
    store.setTier("cold", AccessTier.COLD);

    assertThat(store.tier("cool")).isEqualTo(new ObjectTier(AccessTier.COOL, Optional.empty()));
    assertThat(store.tier("cold")).isEqualTo(new ObjectTier(AccessTier.COLD, Optional.empty()));
    assertThat(store.read("cool")).isEqualTo(randomBytes(10, 2));
    assertThat(store.readRange("cold", 5, 5)).isEqualTo(slice(randomBytes(20, 3), 5, 5));
    assertThatThrownBy(() -> store.setTier("missing", AccessTier.COOL))
        .isInstanceOf(NoSuchObjectException.class);
    assertThatThrownBy(() -> store.tier("missing")).isInstanceOf(NoSuchObjectException.class);
    assertThatThrownBy(() -> store.rehydrate("cool", AccessTier.ARCHIVE, RehydratePriority.HIGH))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void azuriteIgnoresImmutabilityHeadersSoTheCreateFailsAndLeavesNothingUnprotected()
      throws IOException {
    AzureBlobStore store = azurite.newStore(AzureSettings.DEFAULT);
    Retention retention =
        new Retention(Instant.now().plus(Duration.ofDays(1)), Retention.Mode.UNLOCKED);

    assertThatThrownBy(() -> store.createImmutable("index/0001", new byte[10], retention, true))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot create immutable object index/0001 in "
                + store.location()
                + ": the service stored it without the requested protection (no immutability"
                + " support on this container?); it was removed again");
    assertThat(store.stat("index/0001")).isEmpty();

    store.create("index/0002", new byte[10]);
    assertThatThrownBy(() -> store.extendRetention("index/0002", retention))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot extend the retention of object index/0002 in "
                + store.location()
                + ": not supported by the service (HTTP 501 APINotImplemented)");
    assertThatThrownBy(() -> store.setLegalHold("index/0002", true))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot set a legal hold on object index/0002 in "
                + store.location()
                + ": not supported by the service (HTTP 501 APINotImplemented)");
    assertThat(store.protection("index/0002")).isEqualTo(ObjectProtection.NONE);
  }

  // ---- scale ----------------------------------------------------------------------------------

  @Test
  void aListingOfThousandsOfObjectsCrossesManyPagesAndReportsEachOnce() throws Exception {
    AzureBlobStore store = azurite.newStore(AzureSettings.DEFAULT.withListPageSize(50));
    int count = 1000;
    Semaphore inFlight = new Semaphore(16);
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> creates = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = String.format("data/%02x/%05d", i % 256, i);
        int size = i % 5;
        creates.add(
            executor.submit(
                () -> {
                  inFlight.acquire();
                  try {
                    store.create(name, new byte[size]);
                  } finally {
                    inFlight.release();
                  }
                  return null;
                }));
      }
      for (Future<?> create : creates) {
        create.get();
      }
    }
    store.create("index/0001", new byte[7]);

    List<ObjectInfo> listed = listing(store, "data/");

    assertThat(listed).hasSize(count).doesNotHaveDuplicates();
    assertThat(listed).allSatisfy(info -> assertThat(info.size()).isEqualTo(sizeFrom(info.name())));
    assertThat(listing(store, "data/0a/")).hasSize(4);
    assertThat(listing(store, "")).hasSize(count + 1);
  }

  @Test
  void aFortyMebibyteObjectGoesUpInParallelBlocksAndEveryRangeReadsBackExactly()
      throws IOException {
    AzureBlobStore store = azurite.newStore(AzureSettings.DEFAULT.withUploads(4 * MIB, 4 * MIB, 4));
    byte[] content = randomBytes(40 * MIB + 123, 4);

    store.create("packs/big", content);

    assertThat(store.stat("packs/big")).contains(new ObjectInfo("packs/big", content.length));
    assertThat(store.read("packs/big")).isEqualTo(content);
    SplittableRandom random = new SplittableRandom(5);
    List<long[]> ranges = new ArrayList<>();
    ranges.add(new long[] {4L * MIB - 10, 20}); // across a block boundary
    ranges.add(new long[] {content.length - 1000, 1000}); // the tail
    ranges.add(new long[] {0, 2 * MIB});
    for (int i = 0; i < 12; i++) {
      int length = 1 + random.nextInt(3 * MIB);
      ranges.add(new long[] {random.nextInt(content.length - length), length});
    }
    for (long[] range : ranges) {
      assertThat(store.readRange("packs/big", range[0], (int) range[1]))
          .as("range %d+%d", range[0], range[1])
          .isEqualTo(slice(content, (int) range[0], (int) range[1]));
    }
    assertThatThrownBy(() -> store.readRange("packs/big", content.length - 10, 11))
        .isInstanceOf(java.io.EOFException.class)
        .hasMessageContaining("packs/big");
  }

  @Test
  void concurrentBlockUploadsOfOneNameLetExactlyOneWin() throws Exception {
    AzureBlobStore store = azurite.newStore(AzureSettings.DEFAULT.withUploads(MIB, MIB, 3));
    int writers = 3;
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      contents.add(randomBytes(5 * MIB + i, 10 + i));
    }
    List<Future<Integer>> outcomes = new ArrayList<>();
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < writers; i++) {
        int id = i;
        outcomes.add(
            executor.submit(
                () -> {
                  store.create("packs/contended", contents.get(id));
                  return id;
                }));
      }
    }

    List<Integer> winners = new ArrayList<>();
    for (Future<Integer> outcome : outcomes) {
      if (outcome.state() == Future.State.SUCCESS) {
        winners.add(outcome.resultNow());
      } else {
        assertThat(outcome.exceptionNow()).isInstanceOf(ObjectExistsException.class);
      }
    }
    assertThat(winners).hasSize(1);
    assertThat(store.read("packs/contended")).isEqualTo(contents.get(winners.getFirst()));
  }

  @Test
  void uploadThroughputOfSixteenMebibytePacks() throws Exception {
    // A figure for the report, not an assertion: Azurite on a small machine is no Azure.
    AzureBlobStore store = azurite.newStore(AzureSettings.DEFAULT);
    int packs = 8;
    int parallel = 4;
    byte[] content = randomBytes(16 * MIB, 6);
    long start = System.nanoTime();
    try (ExecutorService executor = Executors.newFixedThreadPool(parallel)) {
      List<Future<?>> creates = new ArrayList<>();
      for (int i = 0; i < packs; i++) {
        String name = "packs/" + i;
        creates.add(
            executor.submit(
                () -> {
                  store.create(name, content);
                  return null;
                }));
      }
      for (Future<?> create : creates) {
        create.get();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long readStart = System.nanoTime();
    for (int i = 0; i < packs; i++) {
      assertThat(store.read("packs/" + i)).hasSize(content.length);
    }
    double readSeconds = (System.nanoTime() - readStart) / 1e9;
    System.out.printf(
        "Azurite: %d x 16 MiB created, %d in parallel: %.1f MiB/s up; read back one at a time:"
            + " %.1f MiB/s%n",
        packs, parallel, packs * 16 / seconds, packs * 16 / readSeconds);
    assertThat(listing(store, "packs/")).hasSize(packs);
  }

  // ---- faults ---------------------------------------------------------------------------------

  @Test
  void aConnectionDroppedMidUploadLeavesNoVisibleObject() throws Exception {
    String url = "azure://" + Azurite.ACCOUNT + "/" + Azurite.newContainerName();
    try (AzureBlobStore direct = azurite.open(url, AzureSettings.DEFAULT, true);
        DroppingProxy proxy = new DroppingProxy(azurite.port())) {
      AzureBlobStore throughProxy =
          new AzureBlobStoreProvider()
              .open(
                  url,
                  new BlobStoreProvider.Context(
                      Map.of(AzureBlobStoreProvider.ACCOUNT_KEY, azurite.key()),
                      Optional.of("http://127.0.0.1:" + proxy.port()),
                      false),
                  AzureSettings.DEFAULT
                      .withRetries(2, Duration.ofMillis(20), Duration.ofMillis(100))
                      .withUploads(MIB, MIB, 2));
      byte[] single = randomBytes(MIB / 2, 7); // one Put Blob
      byte[] blocks = randomBytes(6 * MIB, 8); // staged blocks and a block list

      for (var upload : List.of(Map.entry("small", single), Map.entry("large", blocks))) {
        proxy.dropAfter(upload.getValue().length / 2);

        assertThatThrownBy(() -> throughProxy.create(upload.getKey(), upload.getValue()))
            .isInstanceOf(IOException.class)
            .isNotInstanceOf(ObjectExistsException.class)
            .hasMessageStartingWith(
                "Cannot create object " + upload.getKey() + " in " + url + ": ");

        proxy.heal();
        assertThat(direct.stat(upload.getKey())).as(upload.getKey()).isEmpty();
        assertThat(listing(direct, "")).as(upload.getKey()).isEmpty();
      }

      // Nothing half-written stands in the way of the next try.
      throughProxy.create("large", blocks);
      assertThat(direct.read("large")).isEqualTo(blocks);
    }
  }

  // ---- opening --------------------------------------------------------------------------------

  @Test
  void aMissingContainerIsAnErrorUnlessTheRepositoryIsBeingCreated() throws IOException {
    String url = "azure://" + Azurite.ACCOUNT + "/missing-container";

    assertThatThrownBy(() -> azurite.open(url, AzureSettings.DEFAULT, false))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage(
            "Cannot open repository " + url + ": container missing-container does not exist");

    try (AzureBlobStore created = azurite.open(url, AzureSettings.DEFAULT, true)) {
      created.create("config", new byte[] {1});
    }
    try (AzureBlobStore reopened = azurite.open(url, AzureSettings.DEFAULT, false)) {
      assertThat(reopened.read("config")).containsExactly(1);
    }
  }

  @Test
  void aWrongAccountKeyFailsAsAuthenticationWithoutShowingTheKey() throws IOException {
    String wrongKey = AzureBlobStoreFakeServiceTest.randomKey(99);
    String container = Azurite.newContainerName();
    azurite
        .open("azure://" + Azurite.ACCOUNT + "/" + container, AzureSettings.DEFAULT, true)
        .close();
    String url = "azure://" + Azurite.ACCOUNT + "/" + container;
    List<Map<String, String>> environments =
        List.of(
            Map.of(AzureBlobStoreProvider.ACCOUNT_KEY, wrongKey),
            Map.of(
                AzureBlobStoreProvider.CONNECTION_STRING,
                azurite.connectionString().replace(azurite.key(), wrongKey)));

    for (Map<String, String> environment : environments) {
      Throwable failure = catchOpen(url, environment, Optional.of(azurite.endpoint()));

      assertThat(failure)
          .isExactlyInstanceOf(IOException.class)
          .hasMessageStartingWith(
              "Cannot open repository "
                  + url
                  + ": authentication failed for account cairntest (HTTP 403");
      assertThat(stackTrace(failure)).doesNotContain(wrongKey).doesNotContain(azurite.key());
    }
  }

  @Test
  void aSasTokenWorksUntilItExpiresAndIsNeverShown() throws IOException {
    String container = Azurite.newContainerName();
    String url = "azure://" + Azurite.ACCOUNT + "/" + container;
    azurite.open(url, AzureSettings.DEFAULT, true).close();
    BlobContainerClient admin =
        new BlobContainerClientBuilder()
            .endpoint(azurite.endpoint())
            .containerName(container)
            .credential(new StorageSharedKeyCredential(Azurite.ACCOUNT, azurite.key()))
            .buildClient();
    BlobContainerSasPermission all = BlobContainerSasPermission.parse("racwdl");
    String valid =
        admin.generateSas(
            new BlobServiceSasSignatureValues(OffsetDateTime.now().plusHours(1), all));
    String expired =
        admin.generateSas(
            new BlobServiceSasSignatureValues(OffsetDateTime.now().minusHours(1), all));

    BlobStoreProvider.Context withValid =
        new BlobStoreProvider.Context(
            Map.of(AzureBlobStoreProvider.SAS_TOKEN, "?" + valid),
            Optional.of(azurite.endpoint()),
            false);
    try (BlobStore store = new AzureBlobStoreProvider().open(url, withValid)) {
      store.create("a", new byte[] {4});
      assertThat(store.read("a")).containsExactly(4);
      assertThat(store.location()).isEqualTo(url);
    }

    Throwable failure =
        catchOpen(
            url,
            Map.of(AzureBlobStoreProvider.SAS_TOKEN, expired),
            Optional.of(azurite.endpoint()));
    assertThat(failure)
        .hasMessageStartingWith(
            "Cannot open repository "
                + url
                + ": authentication failed for account cairntest (HTTP 403");
    String signature = expired.replaceAll(".*sig=([^&]*).*", "$1");
    assertThat(stackTrace(failure)).doesNotContain(signature).doesNotContain(expired);
  }

  @Test
  void storesUnderDifferentPrefixesOfOneContainerSeeOnlyTheirOwnObjects() throws IOException {
    String container = Azurite.newContainerName();
    String base = "azure://" + Azurite.ACCOUNT + "/" + container;
    try (AzureBlobStore first = azurite.open(base + "/backups/vm1", AzureSettings.DEFAULT, true);
        AzureBlobStore second = azurite.open(base + "/backups/vm10/", AzureSettings.DEFAULT, true);
        AzureBlobStore root = azurite.open(base, AzureSettings.DEFAULT, false)) {
      first.create("config", new byte[] {1});
      second.create("config", new byte[] {2, 2});

      assertThat(first.location()).isEqualTo(base + "/backups/vm1");
      assertThat(second.location()).isEqualTo(base + "/backups/vm10");
      assertThat(listing(first, "")).containsExactly(new ObjectInfo("config", 1));
      assertThat(listing(second, "")).containsExactly(new ObjectInfo("config", 2));
      assertThat(listing(root, "backups/"))
          .containsExactlyInAnyOrder(
              new ObjectInfo("backups/vm1/config", 1), new ObjectInfo("backups/vm10/config", 2));
      first.delete("config");
      assertThat(second.read("config")).containsExactly(2, 2);
      assertThatThrownBy(
              () ->
                  first.create(
                      "x".repeat(128) + "/" + "y".repeat(128) + "/z".repeat(380), new byte[1]))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static Throwable catchOpen(
      String url, Map<String, String> environment, Optional<String> endpoint) {
    try {
      new AzureBlobStoreProvider()
          .open(
              url,
              new BlobStoreProvider.Context(environment, endpoint, false),
              AzureSettings.DEFAULT.withRetries(2, Duration.ofMillis(10), Duration.ofMillis(50)))
          .close();
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  private static String stackTrace(Throwable failure) {
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    return trace.toString();
  }

  private static List<ObjectInfo> listing(BlobStore store, String prefix) throws IOException {
    List<ObjectInfo> listed = Collections.synchronizedList(new ArrayList<>());
    store.list(prefix, listed::add);
    return listed;
  }

  private static long sizeFrom(String name) {
    return Integer.parseInt(name.substring(name.lastIndexOf('/') + 1)) % 5;
  }

  private static byte[] randomBytes(int size, long seed) {
    return AzureBlobStoreFakeServiceTest.randomBytes(size, seed);
  }

  private static byte[] slice(byte[] content, int offset, int length) {
    byte[] slice = new byte[length];
    System.arraycopy(content, offset, slice, 0, length);
    return slice;
  }
}
