package dev.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ArchivingBlobStore} contract, as tests: every store with an archive tier subclasses
 * this. The stores under test rehydrate at once (memory, Azurite); a store that takes hours
 * overrides {@link #awaitRehydration}.
 */
public abstract class ArchivingBlobStoreContractTest {

  /** The store under test, fresh for each test. */
  protected ArchivingBlobStore store;

  /** Returns a new, empty store. Called once before each test; the test closes it. */
  protected abstract ArchivingBlobStore newStore() throws Exception;

  /** Waits until a rehydration that was asked for has completed. Immediate stores do nothing. */
  protected void awaitRehydration(String name) throws Exception {}

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aNewObjectIsOnline() throws IOException {
    store.create("packs/data/ab/abcd", bytes(100, 1));

    assertThat(store.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ONLINE);
  }

  @Test
  void anArchivedObjectIsListedAndStattedButNotRead() throws IOException {
    byte[] content = bytes(1000, 2);
    store.create("packs/data/ab/abcd", content);

    store.archive("packs/data/ab/abcd");

    assertThat(store.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ARCHIVED);
    assertThatThrownBy(() -> store.read("packs/data/ab/abcd"))
        .isInstanceOf(ArchivedObjectException.class)
        .hasMessage(
            "Cannot read object packs/data/ab/abcd in "
                + store.location()
                + ": archived, rehydrate first")
        .satisfies(
            e -> {
              ArchivedObjectException archived = (ArchivedObjectException) e;
              assertThat(archived.objectName()).isEqualTo("packs/data/ab/abcd");
              assertThat(archived.rehydrating()).isFalse();
            });
    assertThatThrownBy(() -> store.readRange("packs/data/ab/abcd", 10, 20))
        .isInstanceOf(ArchivedObjectException.class);
    assertThat(store.stat("packs/data/ab/abcd"))
        .contains(new ObjectInfo("packs/data/ab/abcd", 1000));
    List<ObjectInfo> listed = new ArrayList<>();
    store.list("packs/", listed::add);
    assertThat(listed).containsExactly(new ObjectInfo("packs/data/ab/abcd", 1000));
  }

  @Test
  void archivingTwiceIsArchivingOnceAndOtherObjectsStayOnline() throws IOException {
    store.create("packs/data/ab/abcd", bytes(10, 3));
    store.create("index/cdef", bytes(10, 4));

    store.archive("packs/data/ab/abcd");
    store.archive("packs/data/ab/abcd");

    assertThat(store.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ARCHIVED);
    assertThat(store.state("index/cdef")).isEqualTo(ArchiveState.ONLINE);
    assertThat(store.read("index/cdef")).isEqualTo(bytes(10, 4));
  }

  @Test
  void aRehydratedObjectReadsItsOriginalContentAndStaysOnline() throws Exception {
    byte[] content = bytes(5000, 5);
    store.create("packs/data/ab/abcd", content);
    store.archive("packs/data/ab/abcd");

    store.rehydrate("packs/data/ab/abcd", RehydratePriority.HIGH);
    assertThat(store.state("packs/data/ab/abcd"))
        .isIn(ArchiveState.REHYDRATING, ArchiveState.ONLINE);
    store.rehydrate("packs/data/ab/abcd", RehydratePriority.HIGH); // asking again is harmless
    awaitRehydration("packs/data/ab/abcd");

    assertThat(store.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ONLINE);
    assertThat(store.read("packs/data/ab/abcd")).isEqualTo(content);
    assertThat(store.readRange("packs/data/ab/abcd", 100, 50))
        .isEqualTo(java.util.Arrays.copyOfRange(content, 100, 150));
    assertThat(store.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ONLINE);
  }

  @Test
  void rehydratingAnOnlineObjectChangesNothing() throws IOException {
    store.create("packs/data/ab/abcd", bytes(10, 6));

    store.rehydrate("packs/data/ab/abcd", RehydratePriority.STANDARD);

    assertThat(store.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ONLINE);
    assertThat(store.read("packs/data/ab/abcd")).isEqualTo(bytes(10, 6));
  }

  @Test
  void anArchivedObjectCanBeDeleted() throws IOException {
    store.create("packs/data/ab/abcd", bytes(10, 7));
    store.archive("packs/data/ab/abcd");

    store.delete("packs/data/ab/abcd");

    assertThat(store.stat("packs/data/ab/abcd")).isEmpty();
  }

  @Test
  void missingObjectsAreNamed() {
    assertThatThrownBy(() -> store.state("packs/data/ab/missing"))
        .isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining("packs/data/ab/missing");
    assertThatThrownBy(() -> store.archive("packs/data/ab/missing"))
        .isInstanceOf(NoSuchObjectException.class);
    assertThatThrownBy(() -> store.rehydrate("packs/data/ab/missing", RehydratePriority.HIGH))
        .isInstanceOf(NoSuchObjectException.class);
  }

  protected static byte[] bytes(int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }
}
