package dev.cairn.repository.immutable;

import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.lock.LockManager;
import dev.cairn.storage.ObjectInfo;
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
 * retention. Thread-safe like the store it wraps.
 */
public final class RetainingWrites implements RetainingBlobStore {
  private final RetainingBlobStore store;
  private final Immutability immutability;
  private final Clock clock;

  public RetainingWrites(RetainingBlobStore store, Immutability immutability, Clock clock) {
    this.store = store;
    this.immutability = immutability;
    this.clock = clock;
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
