package dev.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link RetainingBlobStore} contract, as tests: every implementation subclasses this and
 * provides {@link #newStore()}, a fresh store set up for retention (an Object Lock bucket, a
 * container with version-level immutability). Retentions end a day after the store's clock, so a
 * real service keeps the test's objects that long; {@link #mode()} says which mode the tests use.
 */
public abstract class RetainingBlobStoreContractTest {

  /** The store under test, fresh for each test. */
  protected RetainingBlobStore store;

  /** Returns a new, empty store that can retain objects. */
  protected abstract RetainingBlobStore newStore() throws Exception;

  /** The mode the tests write with: governance by default, so a test account can clean up. */
  protected RetentionMode mode() {
    return RetentionMode.GOVERNANCE;
  }

  /** Now, by the clock the store's retentions expire by. */
  protected Instant now() {
    return Instant.now();
  }

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

  private Retention dayFromNow() {
    return new Retention(mode(), now().plus(Duration.ofDays(1)));
  }

  @Test
  void aRetainedObjectReadsBackWithItsRetention() throws IOException {
    byte[] content = bytes(70_000, 1);
    Retention retention = dayFromNow();

    store.createRetained("packs/aa/retained", content, retention);

    assertThat(store.read("packs/aa/retained")).isEqualTo(content);
    assertThat(store.stat("packs/aa/retained")).map(ObjectInfo::size).contains(70_000L);
    assertThat(store.retention("packs/aa/retained")).contains(retention);
  }

  @Test
  void aByteBufferIsWrittenFromItsPositionToItsLimitAndLeftUnmoved() throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes(1000, 2));
    buffer.position(10).limit(900);

    store.createRetained("index/buffer", buffer, dayFromNow());

    assertThat(store.read("index/buffer")).hasSize(890);
    assertThat(buffer.position()).isEqualTo(10);
  }

  @Test
  void aRetainedObjectCannotBeDeletedAndStaysReadable() throws IOException {
    byte[] content = bytes(1000, 3);
    store.createRetained("points/p1", content, dayFromNow());

    assertThatThrownBy(() -> store.delete("points/p1"))
        .isInstanceOf(ObjectLockedException.class)
        .hasMessageStartingWith("Cannot delete object points/p1 in " + store.location() + ": ");

    assertThat(store.read("points/p1")).isEqualTo(content);
  }

  @Test
  void aRetainedObjectCannotBeReplacedByACreate() throws IOException {
    byte[] content = bytes(1000, 4);
    store.createRetained("config", content, dayFromNow());

    assertThatThrownBy(() -> store.create("config", new byte[] {1}))
        .isInstanceOf(ObjectExistsException.class);
    assertThatThrownBy(() -> store.createRetained("config", new byte[] {1}, dayFromNow()))
        .isInstanceOf(ObjectExistsException.class);

    assertThat(store.read("config")).isEqualTo(content);
  }

  @Test
  void extendingMovesTheDateLaterAndNeverEarlier() throws IOException {
    Retention first = dayFromNow();
    store.createRetained("packs/bb/extended", new byte[] {1}, first);

    Retention later = new Retention(mode(), first.retainUntil().plus(Duration.ofHours(5)));
    store.extendRetention("packs/bb/extended", later);
    assertThat(store.retention("packs/bb/extended")).contains(later);

    store.extendRetention(
        "packs/bb/extended", new Retention(mode(), first.retainUntil().minus(Duration.ofHours(1))));
    assertThat(store.retention("packs/bb/extended")).contains(later);
  }

  @Test
  void anObjectWrittenWithoutRetentionHasNoneUntilOneIsExtendedOntoIt() throws IOException {
    store.create("keys/plain", new byte[] {1});
    assertThat(store.retention("keys/plain")).isEmpty();

    Retention retention = dayFromNow();
    store.extendRetention("keys/plain", retention);

    assertThat(store.retention("keys/plain")).contains(retention);
    assertThatThrownBy(() -> store.delete("keys/plain")).isInstanceOf(ObjectLockedException.class);
  }

  @Test
  void anObjectWithoutRetentionIsDeletedAsUsual() throws IOException {
    store.create("locks/free", new byte[] {1});

    store.delete("locks/free");
    store.delete("locks/free");

    assertThat(store.stat("locks/free")).isEmpty();
  }

  @Test
  void aMissingObjectHasNoRetentionToReadOrExtend() {
    assertThatThrownBy(() -> store.retention("points/missing"))
        .isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining("points/missing");
    assertThatThrownBy(() -> store.extendRetention("points/missing", dayFromNow()))
        .isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining("points/missing");
  }

  protected static byte[] bytes(int size, long seed) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }
}
