package dev.cairn.repository.immutable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.Json;
import dev.cairn.repository.Repository;
import dev.cairn.repository.config.FormatSupport;
import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.testing.MutableClock;
import dev.cairn.repository.testing.TestRepositories;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.local.LocalBlobStore;
import dev.cairn.storage.memory.MemoryBlobStore;
import dev.cairn.storage.testing.FaultInjectingBlobStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config of an immutable repository, and the stores it refuses. */
class ImmutableRepositoryTest {
  private static final Immutability THIRTY_DAYS =
      new Immutability(30, Immutability.DEFAULT_MARGIN_DAYS, RetentionMode.COMPLIANCE);

  @TempDir Path directory;

  private static Repository.InitOptions immutable() {
    return new Repository.InitOptions(TestRepositories.CHEAP_KDF, "test").immutable(THIRTY_DAYS);
  }

  @Test
  void theConfigRecordsTheRetentionAndRequiresTheFeature() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));
    MemoryBlobStore store = new MemoryBlobStore(clock);

    Repository.init(store, TestRepositories.PASSWORD.toCharArray(), immutable(), clock).close();

    JsonNode config = Json.MAPPER.readTree(store.read("config"));
    assertThat(config.get("requiredFeatures").toString()).isEqualTo("[\"immutable-objects\"]");
    assertThat(config.get("immutability").toString())
        .isEqualTo("{\"days\":30,\"marginDays\":7,\"mode\":\"COMPLIANCE\"}");
    assertThat(config.has("immutable")).isFalse();
    assertThat(store.retention("config").orElseThrow().retainUntil())
        .isEqualTo(Instant.parse("2026-06-07T00:00:00Z"));
    try (Repository opened =
        Repository.open(store, TestRepositories.PASSWORD.toCharArray(), clock)) {
      assertThat(opened.config().immutability()).isEqualTo(THIRTY_DAYS);
      assertThat(opened.retainingWrites()).isPresent();
    }
  }

  @Test
  void aKeySlotIsNotRemovedWhileRetained() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));
    MemoryBlobStore store = new MemoryBlobStore(clock);
    try (Repository repository =
        Repository.init(store, TestRepositories.PASSWORD.toCharArray(), immutable(), clock)) {
      var second =
          repository
              .keys()
              .add(repository.masterKey(), "other".toCharArray(), TestRepositories.CHEAP_KDF, "x");

      assertThatThrownBy(() -> repository.keys().remove(second.id()))
          .isInstanceOf(CairnException.class)
          .hasMessage(
              "Cannot remove key "
                  + second.id()
                  + ": the repository is immutable and retains its key slots (this one until"
                  + " 2026-06-07T00:00:00Z); to retire a password, copy the points to a new"
                  + " repository");
      assertThat(repository.keys().list()).hasSize(2);
    }
  }

  @Test
  void initRefusesAStoreThatCannotRetainAndWritesNothing() throws IOException {
    LocalBlobStore local = LocalBlobStore.open(directory);
    MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));

    assertThatThrownBy(
            () ->
                Repository.init(local, TestRepositories.PASSWORD.toCharArray(), immutable(), clock))
        .isInstanceOf(CairnException.class)
        .hasMessage(
            "Cannot initialise immutable repository "
                + local.location()
                + ": this store cannot retain objects (use an S3 bucket with Object Lock or an"
                + " Azure container with version-level immutability)");
    assertThat(local.stat("config")).isEmpty();
  }

  @Test
  void openingThroughAStoreThatCannotRetainIsRefused() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));
    MemoryBlobStore store = new MemoryBlobStore(clock);
    Repository.init(store, TestRepositories.PASSWORD.toCharArray(), immutable(), clock).close();

    assertThatThrownBy(
            () ->
                Repository.open(
                    new FaultInjectingBlobStore(store),
                    TestRepositories.PASSWORD.toCharArray(),
                    clock))
        .isInstanceOf(CairnException.class)
        .hasMessageStartingWith("Cannot open immutable repository ")
        .hasMessageContaining("this store cannot retain objects");
  }

  @Test
  void aConfigWithTheFieldButNotTheFeatureIsRefused() throws IOException {
    MemoryBlobStore store = new MemoryBlobStore();
    TestRepositories.init(store).close();
    TestRepositories.editConfig(
        store,
        config ->
            config.set(
                "immutability",
                Json.MAPPER.valueToTree(new Immutability(1, 0, RetentionMode.GOVERNANCE))));

    assertThatThrownBy(() -> Repository.readConfig(store))
        .isInstanceOf(CairnException.class)
        .hasMessageEndingWith(
            "its config has an immutability field but does not require '"
                + FormatSupport.IMMUTABLE_OBJECTS
                + "'");
  }
}
