package dev.cairn.storage.memory;

import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.ObjectNames;
import dev.cairn.storage.RetainingBlobStore;
import dev.cairn.storage.Retention;
import java.io.EOFException;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * A store in this process's memory: for unit tests and for trying things out. Not durable.
 *
 * <p>Enforces retention like a WORM service, against the clock it was given: a retained object
 * cannot be deleted before its date, so tests of immutable repositories move the clock instead of
 * waiting.
 */
public final class MemoryBlobStore implements RetainingBlobStore {
  private final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<String, Retention> retentions = new ConcurrentHashMap<>();
  private final Clock clock;

  /** A store whose retentions expire by the system clock. */
  public MemoryBlobStore() {
    this(Clock.systemUTC());
  }

  /** A store whose retentions expire by {@code clock}. */
  public MemoryBlobStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    ObjectNames.requireValid(name);
    if (objects.putIfAbsent(name, content.clone()) != null) {
      throw new ObjectExistsException(name, location());
    }
  }

  @Override
  public void createRetained(String name, byte[] content, Retention retention) throws IOException {
    ObjectNames.requireValid(name);
    // The retention is in place before the object is visible, as on a WORM service.
    synchronized (this) {
      if (objects.containsKey(name)) {
        throw new ObjectExistsException(name, location());
      }
      retentions.put(name, retention);
      objects.put(name, content.clone());
    }
  }

  @Override
  public synchronized void extendRetention(String name, Retention retention) throws IOException {
    existing(name);
    retentions.merge(
        name,
        retention,
        (current, wanted) ->
            wanted.retainUntil().isAfter(current.retainUntil())
                ? new Retention(current.mode(), wanted.retainUntil())
                : current);
  }

  @Override
  public Optional<Retention> retention(String name) throws IOException {
    existing(name);
    return Optional.ofNullable(retentions.get(name));
  }

  @Override
  public byte[] read(String name) throws IOException {
    return existing(name).clone();
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    byte[] content = existing(name);
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("Negative range " + offset + "+" + length);
    }
    if (offset > content.length - length) {
      throw new EOFException(
          "Cannot read object "
              + name
              + " in "
              + location()
              + ": range "
              + offset
              + "+"
              + length
              + " extends past its end at "
              + content.length);
    }
    return Arrays.copyOfRange(content, (int) offset, (int) offset + length);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) {
    ObjectNames.requireValidPrefix(prefix);
    for (var entry : objects.tailMap(prefix, true).entrySet()) {
      if (!entry.getKey().startsWith(prefix)) {
        break;
      }
      consumer.accept(new ObjectInfo(entry.getKey(), entry.getValue().length));
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String name) {
    byte[] content = objects.get(ObjectNames.requireValid(name));
    return content == null ? Optional.empty() : Optional.of(new ObjectInfo(name, content.length));
  }

  @Override
  public synchronized void delete(String name) throws ObjectLockedException {
    ObjectNames.requireValid(name);
    Retention retention = retentions.get(name);
    if (retention != null && retention.protectsAt(clock.instant())) {
      throw new ObjectLockedException(
          "delete", name, location(), "it is retained until " + retention.retainUntil());
    }
    objects.remove(name);
    retentions.remove(name);
  }

  @Override
  public String location() {
    return "memory:" + Integer.toHexString(System.identityHashCode(this));
  }

  /**
   * Replaces an object's bytes, bypassing create-if-absent: only for tests that corrupt data.
   *
   * @throws IllegalStateException if the object is retained: not even tests overwrite those
   */
  public void replaceForTesting(String name, byte[] content) {
    Retention retention = retentions.get(name);
    if (retention != null && retention.protectsAt(clock.instant())) {
      throw new IllegalStateException(
          "Cannot overwrite object "
              + name
              + " in "
              + location()
              + ": it is retained until "
              + retention.retainUntil());
    }
    objects.put(name, content.clone());
  }

  private byte[] existing(String name) throws NoSuchObjectException {
    byte[] content = objects.get(ObjectNames.requireValid(name));
    if (content == null) {
      throw new NoSuchObjectException(name, location());
    }
    return content;
  }
}
