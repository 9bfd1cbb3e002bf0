package dev.cairn.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.repository.config.RepositoryConfig;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.testing.MutableClock;
import dev.cairn.repository.testing.TestRepositories;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryTest {
  private final MemoryBlobStore store = new MemoryBlobStore();

  private CairnException openFails() {
    return catchThrowableOfType(CairnException.class, () -> TestRepositories.open(store));
  }

  @Test
  void initWritesAVersionOneConfigAndOneKeySlot() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));

    try (Repository repository = TestRepositories.init(store, clock)) {
      RepositoryConfig config = repository.config();
      assertThat(config.format()).isEqualTo("cairn-repository");
      assertThat(config.version()).isEqualTo(1);
      assertThat(config.id()).matches("[0-9a-f]{32}");
      assertThat(config.requiredFeatures()).isEmpty();
      assertThat(config.blockSize()).isEqualTo(65536);
      assertThat(config.packTargetSize()).isEqualTo(16 * 1024 * 1024);
      assertThat(config.created()).isEqualTo(clock.instant());
      assertThat(Repository.readConfig(store)).isEqualTo(config);
      assertThat(repository.keys().list())
          .singleElement()
          .satisfies(slot -> assertThat(slot.id()).isEqualTo(repository.keySlotId()));
      assertThat(repository.location()).isEqualTo(store.location());
    }
  }

  @Test
  void openWithThePasswordGivesTheSameMasterKeyAsInit() throws Exception {
    byte[] data = "some chunk".getBytes(StandardCharsets.UTF_8);
    ChunkId atInit;
    String slot;
    try (Repository repository = TestRepositories.init(store)) {
      atInit = repository.hasher().hash(data, 0, data.length);
      slot = repository.keySlotId();
    }

    try (Repository reopened = TestRepositories.open(store)) {
      assertThat(reopened.hasher().hash(data, 0, data.length)).isEqualTo(atInit);
      assertThat(reopened.keySlotId()).isEqualTo(slot);
    }
  }

  @Test
  void twoRepositoriesHaveDifferentIdsAndKeys() throws Exception {
    MemoryBlobStore other = new MemoryBlobStore();
    byte[] data = {1, 2, 3};

    try (Repository first = TestRepositories.init(store);
        Repository second = TestRepositories.init(other)) {
      assertThat(first.config().id()).isNotEqualTo(second.config().id());
      assertThat(first.hasher().hash(data, 0, 3)).isNotEqualTo(second.hasher().hash(data, 0, 3));
    }
  }

  @Test
  void initOnAStoreThatHoldsARepositoryIsRefusedAndChangesNothing() throws Exception {
    TestRepositories.init(store).close();
    byte[] config = store.read(RepositoryConfig.OBJECT_NAME);

    CairnException thrown =
        catchThrowableOfType(CairnException.class, () -> TestRepositories.init(store));

    assertThat(thrown.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(thrown).hasMessageContaining(store.location()).hasMessageContaining("already holds");
    assertThat(store.read(RepositoryConfig.OBJECT_NAME)).isEqualTo(config);
    try (Repository repository = TestRepositories.open(store)) {
      assertThat(repository.keys().list()).hasSize(1);
    }
  }

  @Test
  void openingAnEmptyStoreSaysThereIsNoRepository() {
    CairnException thrown = openFails();

    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown).hasMessageContaining("no repository").hasMessageContaining(store.location());
  }

  @Test
  void openingWithAWrongPasswordIsWrongPassword() throws Exception {
    TestRepositories.init(store).close();

    CairnException thrown =
        catchThrowableOfType(
            CairnException.class,
            () -> Repository.open(store, "not it".toCharArray(), Clock.systemUTC()));

    assertThat(thrown.code()).isEqualTo(ErrorCode.WRONG_PASSWORD);
    assertThat(thrown).hasMessageContaining(store.location());
  }

  @Test
  void anEmptyPasswordIsRefusedForInitAndOpen() {
    CairnException init =
        catchThrowableOfType(
            CairnException.class,
            () ->
                Repository.init(
                    store,
                    new char[0],
                    new Repository.InitOptions(TestRepositories.CHEAP_KDF, "k"),
                    Clock.systemUTC()));
    CairnException open =
        catchThrowableOfType(
            CairnException.class, () -> Repository.open(store, new char[0], Clock.systemUTC()));

    assertThat(init.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(open.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(store.stat(RepositoryConfig.OBJECT_NAME)).isEmpty();
  }

  @Test
  void aNewerFormatVersionIsRefusedWithAnUpgradeMessage() throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(store, config -> config.put("version", 2));

    CairnException thrown = openFails();

    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown)
        .hasMessageContaining(store.location())
        .hasMessageContaining("format version 2 is newer than this Cairn supports (1)")
        .hasMessageContaining("upgrade");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1})
  void anInvalidFormatVersionIsRefused(int version) throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(store, config -> config.put("version", version));

    assertThat(openFails()).hasMessageContaining("invalid format version " + version);
  }

  @Test
  void anUnknownRequiredFeatureIsRefusedNamingIt() throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(
        store, config -> config.putArray("requiredFeatures").add("zebra-stripes"));

    CairnException thrown = openFails();

    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown).hasMessageContaining("'zebra-stripes'").hasMessageContaining("upgrade");
  }

  @Test
  void unknownOptionalFeaturesAndUnknownFieldsAreIgnored() throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(
        store,
        config -> {
          config.putArray("optionalFeatures").add("sparkles");
          config.put("someFutureField", true);
        });

    try (Repository repository = TestRepositories.open(store)) {
      assertThat(repository.config().optionalFeatures()).containsExactly("sparkles");
    }
  }

  @Test
  void aConfigOfAnotherFormatIsRefused() throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(store, config -> config.put("format", "restic"));

    assertThat(openFails())
        .hasMessageContaining("not a Cairn repository")
        .hasMessageContaining("restic");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2048, 65535, 32 * 1024 * 1024})
  void anInvalidBlockSizeIsRefused(int blockSize) throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(store, config -> config.put("blockSize", blockSize));

    CairnException thrown = openFails();

    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown).hasMessageContaining("invalid block size " + blockSize);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"format\": \"cairn-repository\", \"vers",
        "this is not json",
        "",
        "[]",
        "null",
        "42",
        "{\"format\": \"cairn-repository\", \"version\": \"one\"}"
      })
  void aCorruptConfigIsRefusedAsDamagedNotWithACrash(String json) throws Exception {
    TestRepositories.init(store).close();
    store.replaceForTesting(RepositoryConfig.OBJECT_NAME, json.getBytes(StandardCharsets.UTF_8));

    CairnException thrown = openFails();

    assertThat(thrown).isNotNull();
    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown).hasMessageContaining(store.location()).hasMessageContaining("config");
  }

  @Test
  void aConfigWithoutARepositoryIdIsRefusedNotACrash() throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(store, config -> config.remove("id"));

    CairnException thrown = openFails();

    assertThat(thrown).isNotNull();
    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown).hasMessageContaining("id");
  }

  @Test
  void aConfigWhoseIdWasChangedOpensNoKeySlot() throws Exception {
    TestRepositories.init(store).close();
    TestRepositories.editConfig(store, config -> config.put("id", "f".repeat(32)));

    assertThat(openFails().code()).isEqualTo(ErrorCode.WRONG_PASSWORD);
  }

  @Test
  void aStoreWithAConfigButNoKeySlotsIsUnavailable() throws Exception {
    TestRepositories.init(store).close();
    java.util.List<String> keys = new java.util.ArrayList<>();
    store.list("keys/", info -> keys.add(info.name()));
    for (String key : keys) {
      store.delete(key);
    }

    CairnException thrown = openFails();

    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown).hasMessageContaining("no key slots");
  }

  @Test
  void aSecondPasswordAddedThroughTheRepositoryOpensIt() throws Exception {
    try (Repository repository = TestRepositories.init(store)) {
      repository
          .keys()
          .add(repository.masterKey(), "second".toCharArray(), KdfParameters.of(64, 1), "second");
    }

    try (Repository first = TestRepositories.open(store);
        Repository second = Repository.open(store, "second".toCharArray(), Clock.systemUTC())) {
      assertThat(second.masterKey().toBytes()).isEqualTo(first.masterKey().toBytes());
      assertThat(second.keySlotId()).isNotEqualTo(first.keySlotId());
    }
  }

  @Test
  void indexFilesRoundTripThroughTheStoreAndLoadIntoTheIndex() throws Exception {
    PackId pack = new PackId("ab".repeat(32), PackKind.DATA);
    BlobEntry entry =
        new BlobEntry(new ChunkId(1, 2, 3, 4), BlobType.DATA, Compression.NONE, 37, 20, 4);
    IndexFile file = new IndexFile(List.of(new IndexFile.PackEntries(pack, List.of(entry))));

    String name;
    try (Repository repository = TestRepositories.init(store)) {
      name = repository.writeIndexFile(file);
      assertThat(name).matches("index/[0-9a-f]{64}");
      assertThat(repository.readIndexFile(name)).isEqualTo(file);
    }

    try (Repository reopened = TestRepositories.open(store)) {
      assertThat(reopened.indexNames()).containsExactly(name);
      assertThat(reopened.index().lookup(entry.id()).pack()).isEqualTo(pack);
    }
  }

  @Test
  void aDamagedIndexObjectFailsIndexLoadingNamingItButTolerantLoadingGoesOn() throws Exception {
    PackId pack = new PackId("ab".repeat(32), PackKind.DATA);
    BlobEntry good =
        new BlobEntry(new ChunkId(1, 2, 3, 4), BlobType.DATA, Compression.NONE, 37, 20, 4);
    BlobEntry lost =
        new BlobEntry(new ChunkId(5, 6, 7, 8), BlobType.DATA, Compression.NONE, 57, 20, 4);
    String damagedName;
    try (Repository repository = TestRepositories.init(store)) {
      repository.writeIndexFile(
          new IndexFile(List.of(new IndexFile.PackEntries(pack, List.of(good)))));
      damagedName =
          repository.writeIndexFile(
              new IndexFile(List.of(new IndexFile.PackEntries(pack, List.of(lost)))));
    }
    byte[] bytes = store.read(damagedName);
    bytes[bytes.length - 1] ^= 1;
    store.replaceForTesting(damagedName, bytes);

    try (Repository repository = TestRepositories.open(store)) {
      DamagedObjectException thrown =
          catchThrowableOfType(DamagedObjectException.class, repository::index);
      assertThat(thrown.objectName()).isEqualTo(damagedName);

      List<DamagedObjectException> damage = new java.util.concurrent.CopyOnWriteArrayList<>();
      var tolerant = repository.loadIndexTolerant(damage::add);
      assertThat(damage)
          .extracting(DamagedObjectException::objectName)
          .containsExactly(damagedName);
      assertThat(tolerant.contains(good.id())).isTrue();
      assertThat(tolerant.contains(lost.id())).isFalse();
    }
  }

  @Test
  void anIndexObjectCopiedUnderAnotherNameIsRejected() throws Exception {
    String copy = "index/" + "0".repeat(64);
    try (Repository repository = TestRepositories.init(store)) {
      String name = repository.writeIndexFile(new IndexFile(List.of()));
      store.create(copy, store.read(name));

      assertThat(
              catchThrowableOfType(
                      DamagedObjectException.class, () -> repository.readIndexFile(copy))
                  .objectName())
          .isEqualTo(copy);
    }
  }

  @Test
  void closeDestroysTheMasterKeyInMemory() throws Exception {
    Repository repository = TestRepositories.init(store);
    var key = repository.masterKey();

    repository.close();

    assertThat(key.toBytes()).containsOnly(0);
  }
}
