package dev.cairn.storage.local;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.LeavesTemporaryFiles;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectInfo;
import dev.cairn.storage.ObjectNames;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A store in a directory of a local or mounted file system.
 *
 * <p>Durability: content is written to a temporary file under {@code .tmp/}, forced to disk, then
 * published under its final name with a hard link (which fails if the name exists, making the
 * create-if-absent atomic) and the directory is forced too. A crash leaves at most a stray file in
 * {@code .tmp/}, which listings ignore and {@link #removeStaleTemporaryFiles} cleans. Objects of 1
 * MiB and more (packs) are written around the page cache where the file system allows ({@link
 * DirectFileWriter}); small ones (manifests, locks, keys) through it.
 *
 * <p>Objects are files and name prefixes are directories, so unlike other stores this one cannot
 * hold both {@code a} and {@code a/b}: the second create fails with a plain {@link IOException}.
 */
public final class LocalBlobStore implements BlobStore, LeavesTemporaryFiles {
  private static final String TEMPORARY_DIRECTORY = ".tmp";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int IO_SLICE = 1024 * 1024;

  /**
   * Objects at least this large are written with {@link DirectFileWriter}. Reads stay in the page
   * cache: its read-ahead read cold packs as fast as O_DIRECT did (docs/benchmarks.md).
   */
  static final int DIRECT_MINIMUM = 1024 * 1024;

  private final Path root;

  private LocalBlobStore(Path root) {
    this.root = root;
  }

  /**
   * Opens a store rooted at an existing directory.
   *
   * @throws IOException naming the path when it does not exist or is not a directory
   */
  public static LocalBlobStore open(Path root) throws IOException {
    Path absolute = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(absolute)) {
      throw new NoSuchFileException(
          absolute.toString(), null, "Cannot open store " + absolute + ": not a directory");
    }
    return new LocalBlobStore(absolute);
  }

  /** Creates the directory (and parents) if needed and opens a store in it. */
  public static LocalBlobStore createDirectoryAndOpen(Path root) throws IOException {
    Files.createDirectories(root);
    return open(root);
  }

  @Override
  public void create(String name, byte[] content) throws IOException {
    create(name, ByteBuffer.wrap(content));
  }

  /** Writes the buffer's remaining bytes without copying them. */
  @Override
  public void create(String name, ByteBuffer content) throws IOException {
    Path target = pathOf(name);
    if (Files.isDirectory(target)) {
      throw new IOException(
          "Cannot create object "
              + name
              + " in "
              + location()
              + ": a directory of that name holds other objects");
    }
    if (Files.exists(target)) {
      throw new ObjectExistsException(name, location());
    }
    Path temporaryDirectory = root.resolve(TEMPORARY_DIRECTORY);
    Files.createDirectories(temporaryDirectory);
    Path temporary =
        temporaryDirectory.resolve(
            target.getFileName() + "." + HexFormat.of().formatHex(randomBytes()));
    try {
      if (content.remaining() >= DIRECT_MINIMUM) {
        // Packs: written once, read back rarely and much later; around the page cache.
        try (DirectFileWriter writer =
            DirectFileWriter.open(
                temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          writer.write(0, content.duplicate());
          writer.force();
        }
      } else {
        try (FileChannel channel =
            FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer buffer = content.duplicate();
          while (buffer.hasRemaining()) {
            buffer.position(buffer.position() + channel.write(buffer));
          }
          channel.force(true);
        }
      }
      createParentDirectories(target.getParent());
      try {
        Files.createLink(target, temporary);
      } catch (FileAlreadyExistsException e) {
        throw new ObjectExistsException(name, location());
      }
      forceDirectory(target.getParent());
    } catch (ObjectExistsException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException(
          "Cannot create object " + name + " in " + location() + ": " + describe(e), e);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  @Override
  public byte[] read(String name) throws IOException {
    Path path = pathOf(name);
    long size;
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        throw new NoSuchObjectException(name, location());
      }
      size = attributes.size();
    } catch (NoSuchObjectException e) {
      throw e;
    } catch (IOException e) {
      throw isNoObject(path, e) ? new NoSuchObjectException(name, location()) : e;
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IOException("Cannot read object " + name + " in " + location() + ": too large");
    }
    return readRange(name, 0, (int) size);
  }

  @Override
  public byte[] readRange(String name, long offset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("Negative range " + offset + "+" + length);
    }
    Path path = pathOf(name);
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException e) {
      throw isNoObject(path, e) ? new NoSuchObjectException(name, location()) : e;
    }
    if (!attributes.isRegularFile()) {
      throw new NoSuchObjectException(name, location());
    }
    if (offset > attributes.size() - length) {
      throw pastTheEnd(name, offset, length, attributes.size());
    }
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(length);
      long position = offset;
      while (buffer.hasRemaining()) {
        ByteBuffer slice = buffer.slice();
        slice.limit(Math.min(slice.remaining(), IO_SLICE));
        int read = channel.read(slice, position);
        if (read > 0) {
          buffer.position(buffer.position() + read);
        }
        if (read < 0) {
          throw pastTheEnd(name, offset, length, channel.size());
        }
        position += read;
      }
      return buffer.array();
    } catch (NoSuchFileException e) {
      throw new NoSuchObjectException(name, location());
    }
  }

  private EOFException pastTheEnd(String name, long offset, int length, long size) {
    return new EOFException(
        "Cannot read object "
            + name
            + " in "
            + location()
            + ": range "
            + offset
            + "+"
            + length
            + " extends past its end at "
            + size);
  }

  @Override
  public void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException {
    ObjectNames.requireValidPrefix(prefix);
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
    if (!Files.isDirectory(start)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(start)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        String name = root.relativize(path).toString();
        if (name.startsWith(TEMPORARY_DIRECTORY) || !name.startsWith(prefix)) {
          continue;
        }
        if (Files.isRegularFile(path)) {
          long size;
          try {
            size = Files.size(path);
          } catch (NoSuchFileException deletedMeanwhile) {
            continue;
          }
          consumer.accept(new ObjectInfo(name, size));
        }
      }
    } catch (java.io.UncheckedIOException e) {
      throw new IOException("Cannot list " + prefix + " in " + location() + ": " + e.getMessage());
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String name) throws IOException {
    Path path = pathOf(name);
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      return attributes.isRegularFile()
          ? Optional.of(new ObjectInfo(name, attributes.size()))
          : Optional.empty();
    } catch (IOException e) {
      if (isNoObject(path, e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void delete(String name) throws IOException {
    Path path = pathOf(name);
    if (Files.isDirectory(path)) {
      return; // only a prefix of other objects: there is no object of this name
    }
    boolean deleted;
    try {
      deleted = Files.deleteIfExists(path);
    } catch (IOException e) {
      if (isNoObject(path, e)) {
        return;
      }
      throw e;
    }
    if (deleted) {
      forceDirectory(path.getParent());
    }
  }

  @Override
  public String location() {
    return root.toString();
  }

  /** Removes temporary files older than {@code minimumAgeMillis} that crashed writers left. */
  @Override
  public int removeStaleTemporaryFiles(long minimumAgeMillis) throws IOException {
    Path temporaryDirectory = root.resolve(TEMPORARY_DIRECTORY);
    if (!Files.isDirectory(temporaryDirectory)) {
      return 0;
    }
    long cutoff = System.currentTimeMillis() - minimumAgeMillis;
    int removed = 0;
    try (Stream<Path> files = Files.list(temporaryDirectory)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (Files.getLastModifiedTime(file).toMillis() < cutoff && Files.deleteIfExists(file)) {
          removed++;
        }
      }
    }
    return removed;
  }

  private Path pathOf(String name) {
    return root.resolve(ObjectNames.requireValid(name));
  }

  /**
   * Whether {@code path} holds no object, after an operation on it failed with {@code failure}:
   * nothing is there, it is a directory (a prefix of other objects), or one of its parents is an
   * object (a file).
   */
  private boolean isNoObject(Path path, IOException failure) {
    if (failure instanceof NoSuchFileException) {
      return true; // do not look again: the object may have been created since
    }
    try {
      return !Files.readAttributes(path, BasicFileAttributes.class).isRegularFile();
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException e) {
      for (Path parent = path.getParent(); !parent.equals(root); parent = parent.getParent()) {
        if (Files.isRegularFile(parent)) {
          return true;
        }
      }
      return false;
    }
  }

  private void createParentDirectories(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    createParentDirectories(directory.getParent());
    try {
      Files.createDirectory(directory);
    } catch (FileAlreadyExistsException raced) {
      return;
    }
    forceDirectory(directory.getParent());
  }

  private static void forceDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    if (e instanceof java.nio.file.FileSystemException fileSystemException
        && fileSystemException.getReason() != null) {
      message = fileSystemException.getReason();
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }

  @Override
  public String toString() {
    return "LocalBlobStore[" + root + "]";
  }
}
