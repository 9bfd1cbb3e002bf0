package dev.cairn.repository.point;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Json;
import dev.cairn.repository.cache.MetadataCache;
import dev.cairn.repository.crypto.Envelope;
import dev.cairn.storage.BlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Reads, writes and deletes restore points ({@code points/}). Thread-safe. */
public final class PointCatalog {
  private final BlobStore store;
  private final Envelope envelope;
  private volatile MetadataCache cache = MetadataCache.NONE;

  public PointCatalog(BlobStore store, Envelope envelope) {
    this.store = store;
    this.envelope = envelope;
  }

  /** Keeps copies of manifests in {@code cache} (see {@code Repository#useMetadataCache}). */
  public void useCache(MetadataCache cache) {
    this.cache = cache;
  }

  /** Commits a restore point: one create-if-absent of its manifest. */
  public void commit(RestorePoint point) throws IOException {
    try {
      byte[] sealed = envelope.seal(RestorePoint.MAGIC, point.objectName(), Json.write(point));
      store.create(point.objectName(), sealed);
      cache.put(point.objectName(), sealed);
    } catch (IOException e) {
      String message = e.getMessage();
      if (message != null && message.contains(point.objectName())) {
        throw e;
      }
      throw new IOException(
          "Cannot commit restore point "
              + point.objectName()
              + " to "
              + store.location()
              + ": "
              + message,
          e);
    }
  }

  /**
   * Reads one point by name.
   *
   * @throws dev.cairn.repository.DamagedObjectException if it does not authenticate or parse
   */
  public RestorePoint read(String objectName) throws IOException {
    RestorePoint point =
        cache.read(
            objectName,
            () -> store.read(objectName),
            bytes ->
                Json.read(
                    envelope.open(RestorePoint.MAGIC, objectName, bytes),
                    RestorePoint.class,
                    objectName));
    if (!objectName.equals(point.objectName())) {
      throw new dev.cairn.repository.DamagedObjectException(
          objectName, "manifest says it is " + point.objectName());
    }
    return point;
  }

  /** Names of every committed point, without reading them. */
  public List<String> names() throws IOException {
    List<String> names = new ArrayList<>();
    store.list(RestorePoint.PREFIX, info -> names.add(info.name()));
    return names;
  }

  /**
   * Every point, oldest first, read in parallel. A damaged manifest fails the call naming it; use
   * {@link #names} and {@link #read} to go on past damage (check does).
   */
  public List<RestorePoint> all() throws IOException {
    List<String> names = names();
    List<RestorePoint> points = new ArrayList<>(names.size());
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<RestorePoint>> futures = new ArrayList<>();
      for (String name : names) {
        futures.add(executor.submit(() -> read(name)));
      }
      for (Future<RestorePoint> future : futures) {
        points.add(future.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while reading restore points", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
    points.sort(Comparator.comparing(RestorePoint::time).thenComparing(RestorePoint::id));
    return points;
  }

  /**
   * Finds a point by its full id or a unique prefix of at least 4 hex digits.
   *
   * @throws CairnException if none or several match
   */
  public RestorePoint find(String idOrPrefix) throws IOException {
    return read(resolve(idOrPrefix));
  }

  /**
   * The object name of the point whose id is or starts with {@code idOrPrefix}, without reading it
   * (so that a damaged manifest can still be named, and deleted).
   *
   * @throws CairnException if none or several match
   */
  public String resolve(String idOrPrefix) throws IOException {
    if (idOrPrefix.length() < 4 || !idOrPrefix.matches("[0-9a-f]+")) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot find restore point '" + idOrPrefix + "': give at least 4 hex digits of its id");
    }
    List<String> matches =
        names().stream().filter(name -> name.startsWith(RestorePoint.PREFIX + idOrPrefix)).toList();
    if (matches.isEmpty()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot find restore point "
              + idOrPrefix
              + " in "
              + store.location()
              + ": no such point");
    }
    if (matches.size() > 1) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot find restore point "
              + idOrPrefix
              + ": "
              + matches.size()
              + " points match, give more digits");
    }
    return matches.get(0);
  }

  /** Deletes the manifest stored as {@code objectName} (see {@link #resolve}). */
  public void delete(String objectName) throws IOException {
    store.delete(objectName);
    cache.remove(objectName);
  }

  /** Deletes a point's manifest; the data it alone referenced becomes garbage for prune. */
  public void delete(RestorePoint point) throws IOException {
    store.delete(point.objectName());
    cache.remove(point.objectName());
  }
}
