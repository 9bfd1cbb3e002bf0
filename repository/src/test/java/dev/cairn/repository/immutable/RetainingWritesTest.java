package dev.cairn.repository.immutable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.testing.MutableClock;
import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.RehydratePriority;
import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The retaining view of an immutable repository's store, with and without an archive tier. */
class RetainingWritesTest {
  private static final Immutability THIRTY_DAYS =
      new Immutability(30, Immutability.DEFAULT_MARGIN_DAYS, RetentionMode.COMPLIANCE);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));

  @Test
  void theViewOfAStoreWithoutAnArchiveTierHasNone() {
    assertThat(RetainingWrites.of(new MemoryBlobStore(clock), THIRTY_DAYS, clock))
        .isNotInstanceOf(ArchivingBlobStore.class);
  }

  @Test
  void theViewOfAnArchivingStoreArchivesAndRehydratesThroughIt() throws IOException {
    RetainingTieredStore store = new RetainingTieredStore(new MemoryBlobStore(clock));
    RetainingWrites view = RetainingWrites.of(store, THIRTY_DAYS, clock);
    view.create("packs/data/ab/abcd", new byte[] {1, 2, 3});

    ArchivingBlobStore archiving = (ArchivingBlobStore) view;
    archiving.archive("packs/data/ab/abcd");

    assertThat(archiving.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ARCHIVED);
    assertThatThrownBy(() -> view.read("packs/data/ab/abcd"))
        .isInstanceOf(ArchivedObjectException.class);
    assertThat(view.retention("packs/data/ab/abcd").orElseThrow().retainUntil())
        .isEqualTo(Instant.parse("2026-06-07T00:00:00Z"));
    archiving.rehydrate("packs/data/ab/abcd", RehydratePriority.HIGH);
    assertThat(archiving.state("packs/data/ab/abcd")).isEqualTo(ArchiveState.ONLINE);
    assertThat(view.read("packs/data/ab/abcd")).containsExactly(1, 2, 3);
  }

  /** A retaining memory store with an archive tier that rehydrates at once. */
  private static final class RetainingTieredStore
      implements RetainingBlobStore, ArchivingBlobStore {
    private final MemoryBlobStore objects;
    private final Set<String> archived = new HashSet<>();

    RetainingTieredStore(MemoryBlobStore objects) {
      this.objects = objects;
    }

    @Override
    public synchronized void archive(String name) throws IOException {
      requireExists(name);
      archived.add(name);
    }

    @Override
    public synchronized ArchiveState state(String name) throws IOException {
      requireExists(name);
      return archived.contains(name) ? ArchiveState.ARCHIVED : ArchiveState.ONLINE;
    }

    @Override
    public synchronized void rehydrate(String name, RehydratePriority priority) throws IOException {
      requireExists(name);
      archived.remove(name);
    }

    private void requireExists(String name) throws IOException {
      if (objects.stat(name).isEmpty()) {
        throw new NoSuchObjectException(name, location());
      }
    }

    @Override
    public synchronized byte[] read(String name) throws IOException {
      if (archived.contains(name)) {
        throw new ArchivedObjectException(name, location(), false);
      }
      return objects.read(name);
    }

    @Override
    public synchronized byte[] readRange(String name, long offset, int length) throws IOException {
      if (archived.contains(name)) {
        throw new ArchivedObjectException(name, location(), false);
      }
      return objects.readRange(name, offset, length);
    }

    @Override
    public void create(String name, byte[] content) throws IOException {
      objects.create(name, content);
    }

    @Override
    public void createRetained(String name, byte[] content, Retention retention)
        throws IOException {
      objects.createRetained(name, content, retention);
    }

    @Override
    public void extendRetention(String name, Retention retention) throws IOException {
      objects.extendRetention(name, retention);
    }

    @Override
    public Optional<Retention> retention(String name) throws IOException {
      return objects.retention(name);
    }

    @Override
    public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
      objects.list(prefix, consumer);
    }

    @Override
    public Optional<ObjectInfo> stat(String name) throws IOException {
      return objects.stat(name);
    }

    @Override
    public void delete(String name) throws IOException {
      objects.delete(name);
    }

    @Override
    public String location() {
      return "memory:retaining-tiered";
    }

    @Override
    public void close() {}
  }
}
