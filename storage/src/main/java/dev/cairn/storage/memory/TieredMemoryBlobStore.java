package dev.cairn.storage.memory;

import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.RehydratePriority;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A {@link MemoryBlobStore} with an archive tier, for unit tests of archiving and rehydration. It
 * behaves as Azure does where it matters: archived objects are listed and statted but not read, and
 * a rehydration completes {@code rehydrationTime} after it was asked for, on the injected clock
 * ({@link Duration#ZERO}: at once, as on Azurite). It records every rehydration request, so tests
 * can assert that exactly the needed objects were asked for, once.
 */
public final class TieredMemoryBlobStore implements ArchivingBlobStore {
  private final MemoryBlobStore objects = new MemoryBlobStore();
  private final Clock clock;
  private final Duration rehydrationTime;
  private final Map<String, Optional<Instant>> offline = new ConcurrentHashMap<>();
  private final List<String> rehydrationRequests = new ArrayList<>();

  /** A store whose rehydrations complete at once. */
  public TieredMemoryBlobStore() {
    this(Clock.systemUTC(), Duration.ZERO);
  }

  /**
   * @param clock decides when a rehydration has completed
   * @param rehydrationTime how long after the request an object comes back online
   */
  public TieredMemoryBlobStore(Clock clock, Duration rehydrationTime) {
    this.clock = clock;
    this.rehydrationTime = rehydrationTime;
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    objects.create(name, content);
  }

  @Override
  public byte[] read(String name) throws IOException {
    requireOnline(name);
    return objects.read(name);
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    requireOnline(name);
    return objects.readRange(name, offset, length);
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
    offline.remove(name);
  }

  @Override
  public String location() {
    return objects.location();
  }

  @Override
  public synchronized void archive(String name) throws IOException {
    requireExists(name);
    offline.putIfAbsent(name, Optional.empty());
  }

  @Override
  public synchronized ArchiveState state(String name) throws IOException {
    requireExists(name);
    Optional<Instant> requested = offline.get(name);
    if (requested == null) {
      return ArchiveState.ONLINE;
    }
    if (requested.isEmpty()) {
      return ArchiveState.ARCHIVED;
    }
    if (!clock.instant().isBefore(requested.get().plus(rehydrationTime))) {
      offline.remove(name); // rehydrated: online for good, as on Azure
      return ArchiveState.ONLINE;
    }
    return ArchiveState.REHYDRATING;
  }

  @Override
  public synchronized void rehydrate(String name, RehydratePriority priority) throws IOException {
    if (state(name) != ArchiveState.ARCHIVED) {
      return;
    }
    rehydrationRequests.add(name);
    offline.put(name, Optional.of(clock.instant()));
  }

  /** Names of every object a rehydration was started for, in order (repeats if asked again). */
  public synchronized List<String> rehydrationRequests() {
    return List.copyOf(rehydrationRequests);
  }

  /** The plain memory store underneath, e.g. to corrupt an object. */
  public MemoryBlobStore objects() {
    return objects;
  }

  private void requireOnline(String name) throws IOException {
    ArchiveState state = state(name);
    if (state != ArchiveState.ONLINE) {
      throw new ArchivedObjectException(name, location(), state == ArchiveState.REHYDRATING);
    }
  }

  private void requireExists(String name) throws IOException {
    if (objects.stat(name).isEmpty()) {
      throw new NoSuchObjectException(name, location());
    }
  }
}
