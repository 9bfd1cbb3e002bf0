package dev.cairn.repository.cache;

import dev.cairn.repository.DamagedObjectException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies of repository objects on local disk, for objects that never change once written (every
 * object of a repository: the store is create-if-absent). Only objects the caller names are cached:
 * index objects and manifests. The cache knows nothing of deletion elsewhere; callers look up only
 * names a fresh listing of the store returned, so an object deleted meanwhile is never used.
 *
 * <p>One directory per repository (by repository id). Each file holds the object's bytes and a
 * SHA-256 of them: a torn or altered file is detected, deleted and read again from the store. The
 * object itself is authenticated by the repository as always, and a copy that fails that is dropped
 * too ({@link #read}). The directory's size is capped; the oldest files go first. Thread-safe and
 * safe for several processes: files are written under temporary names and moved into place.
 */
public final class MetadataCache {
  /** A cache that holds nothing: every read goes to the store. */
  public static final MetadataCache NONE = new MetadataCache(null, 0);

  private static final int DIGEST_BYTES = 32;

  private final Path directory;
  private final long maxBytes;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  /** Loads an object's bytes from the store. */
  @FunctionalInterface
  public interface Loader {
    byte[] load() throws IOException;
  }

  /** Turns bytes into the object, failing with {@link DamagedObjectException} if they are bad. */
  @FunctionalInterface
  public interface Decoder<T> {
    T decode(byte[] bytes) throws IOException;
  }

  private MetadataCache(Path directory, long maxBytes) {
    this.directory = directory;
    this.maxBytes = maxBytes;
  }

  /**
   * Opens (creating it if needed) the cache in {@code directory}, which should be specific to one
   * repository.
   *
   * @param maxBytes the most the directory may hold; older files are removed beyond it
   */
  public static MetadataCache open(Path directory, long maxBytes) throws IOException {
    Files.createDirectories(directory);
    MetadataCache cache = new MetadataCache(directory, maxBytes);
    cache.bytes.set(cache.entries().stream().mapToLong(Entry::size).sum());
    return cache;
  }

  public boolean enabled() {
    return directory != null;
  }

  /**
   * The object {@code name}: from the cache when it holds a sound copy that {@code decoder}
   * accepts, else from {@code loader}, whose bytes are then cached.
   *
   * @throws IOException what {@code loader} or {@code decoder} throws for the store's copy
   */
  public <T> T read(String name, Loader loader, Decoder<T> decoder) throws IOException {
    Optional<byte[]> cached = get(name);
    if (cached.isPresent()) {
      try {
        T value = decoder.decode(cached.get());
        hits.incrementAndGet();
        return value;
      } catch (DamagedObjectException e) {
        // The copy is sound as a file but not as an object (another repository's? an old bug?).
        remove(name);
      }
    }
    misses.incrementAndGet();
    byte[] loaded = loader.load();
    T value = decoder.decode(loaded);
    put(name, loaded);
    return value;
  }

  /** Keeps a copy of an object just written or read; failures to cache are ignored. */
  public void put(String name, byte[] content) {
    if (directory == null) {
      return;
    }
    Path target = pathOf(name);
    if (Files.exists(target)) {
      return;
    }
    Path temporary =
        directory.resolve(
            ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + "-"
                + fileName(name));
    try {
      byte[] file = Arrays.copyOf(content, content.length + DIGEST_BYTES);
      System.arraycopy(sha256(content), 0, file, content.length, DIGEST_BYTES);
      Files.write(temporary, file);
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
      if (bytes.addAndGet(file.length) > maxBytes) {
        evict();
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException ignored) {
        // A temporary file left behind is removed by the next eviction.
      }
    }
  }

  /** Forgets {@code name} (it was deleted from the store). */
  public void remove(String name) {
    if (directory == null) {
      return;
    }
    try {
      long size = Files.size(pathOf(name));
      if (Files.deleteIfExists(pathOf(name))) {
        bytes.addAndGet(-size);
      }
    } catch (IOException e) {
      // Missing already, or undeletable: a later put or eviction deals with it.
    }
  }

  /** Reads served from the cache since it was opened. */
  public long hits() {
    return hits.get();
  }

  /** Reads that went to the store since it was opened. */
  public long misses() {
    return misses.get();
  }

  private Optional<byte[]> get(String name) {
    if (directory == null) {
      return Optional.empty();
    }
    Path path = pathOf(name);
    byte[] file;
    try {
      file = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
    if (file.length >= DIGEST_BYTES) {
      byte[] content = Arrays.copyOf(file, file.length - DIGEST_BYTES);
      byte[] digest = Arrays.copyOfRange(file, file.length - DIGEST_BYTES, file.length);
      if (MessageDigest.isEqual(sha256(content), digest)) {
        return Optional.of(content);
      }
    }
    remove(name);
    return Optional.empty();
  }

  private synchronized void evict() throws IOException {
    List<Entry> entries = entries();
    long total = entries.stream().mapToLong(Entry::size).sum();
    long goal = maxBytes - maxBytes / 10;
    entries.sort(Comparator.comparing(Entry::modified));
    for (Entry entry : entries) {
      if (total <= goal) {
        break;
      }
      if (Files.deleteIfExists(entry.path)) {
        total -= entry.size;
      }
    }
    bytes.set(total);
  }

  private record Entry(Path path, long size, FileTime modified) {}

  private List<Entry> entries() throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path file : files) {
        try {
          BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
          if (attributes.isRegularFile()) {
            entries.add(new Entry(file, attributes.size(), attributes.lastModifiedTime()));
          }
        } catch (NoSuchFileException e) {
          // Removed by another process meanwhile.
        }
      }
    }
    return entries;
  }

  private Path pathOf(String name) {
    return directory.resolve(fileName(name));
  }

  // Object names are ASCII with '/' separators ("index/<hex>", "points/<hex>").
  private static String fileName(String name) {
    return name.replace('/', '_');
  }

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
