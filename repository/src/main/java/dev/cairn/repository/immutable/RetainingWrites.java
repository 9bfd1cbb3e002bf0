package dev.cairn.repository.immutable;

import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.lock.LockManager;
import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.RehydratePriority;
import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.Retention;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An immutable repository's view of its store: every create becomes a create retained until now
 * plus the repository's days and margin, except lock objects ({@value LockManager#PREFIX}), which
 * must stay deletable for the next operation to run. Everything else passes through unchanged, so
 * deletes of retained objects are refused by the store itself.
 *
 * <p>Every writer of the repository (packs, index, points, key slots, config, audit events) gets
 * this view from {@link dev.cairn.repository.Repository}, so no write path can forget the
 * retention. The view of a store that also has an archive tier is an {@link ArchivingBlobStore} too
 * ({@link #of}), so that immutable repositories can be archived: a change of tier is not a write of
 * the repository's, and keeping the retention through it is the store's part of the {@link
 * ArchivingBlobStore} contract (S3 carries the Object Lock onto its copy). Thread-safe like the
 * store it wraps.
 */
public sealed class RetainingWrites implements RetainingBlobStore
    permits RetainingWrites.Archiving {
  private final RetainingBlobStore store;
  private final Immutability immutability;
  private final Clock clock;

  private RetainingWrites(RetainingBlobStore store, Immutability immutability, Clock clock) {
    this.store = store;
    this.immutability = immutability;
    this.clock = clock;
  }

  /**
   * The view of {@code store} for a repository retained as {@code immutability} says: an {@link
   * ArchivingBlobStore} as well when {@code store} is one.
   */
  public static RetainingWrites of(
      RetainingBlobStore store, Immutability immutability, Clock clock) {
    return store instanceof ArchivingBlobStore archiving
        ? new Archiving(store, archiving, immutability, clock)
        : new RetainingWrites(store, immutability, clock);
  }

  /** The view of a store with an archive tier: archiving calls pass through unchanged. */
  static final class Archiving extends RetainingWrites implements ArchivingBlobStore {
    private final ArchivingBlobStore archiving;

    private Archiving(
        RetainingBlobStore store,
        ArchivingBlobStore archiving,
        Immutability immutability,
        Clock clock) {
      super(store, immutability, clock);
      this.archiving = archiving;
    }

    @Override
    public void archive(String name) throws IOException {
      archiving.archive(name);
    }

    @Override
    public ArchiveState state(String name) throws IOException {
      return archiving.state(name);
    }

    @Override
    public void rehydrate(String name, RehydratePriority priority) throws IOException {
      archiving.rehydrate(name, priority);
    }
  }

  /** The retention an object written or extended now gets. */
  public Retention retentionFromNow() {
    return immutability.retentionFrom(clock.instant());
  }

  /** Whether objects named {@code name} are written retained (all but locks). */
  public static boolean isRetained(String name) {
    return !name.startsWith(LockManager.PREFIX);
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    if (isRetained(name)) {
      store.createRetained(name, content, retentionFromNow());
    } else {
      store.create(name, content);
    }
  }

  @Override
  public void create(String name, ByteBuffer content) throws IOException {
    if (isRetained(name)) {
      store.createRetained(name, content, retentionFromNow());
    } else {
      store.create(name, content);
    }
  }

  @Override
  public void createRetained(String name, byte[] content, Retention retention) throws IOException {
    store.createRetained(name, content, retention);
  }

  @Override
  public void createRetained(String name, ByteBuffer content, Retention retention)
      throws IOException {
    store.createRetained(name, content, retention);
  }

  @Override
  public void extendRetention(String name, Retention retention) throws IOException {
    store.extendRetention(name, retention);
  }

  @Override
  public Optional<Retention> retention(String name) throws IOException {
    return store.retention(name);
  }

  @Override
  public byte[] read(String name) throws IOException {
    return store.read(name);
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    return store.readRange(name, offset, length);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
    store.list(prefix, consumer);
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    return store.stat(name);
  }

  @Override
  public void delete(String name) throws IOException {
    store.delete(name);
  }

  @Override
  public String location() {
    return store.location();
  }

  @Override
  public void close() throws IOException {
    store.close();
  }
}
