package dev.cairn.storage;

import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A flat namespace of immutable objects: the only thing Cairn asks of a place that keeps backups.
 *
 * <p>A store knows nothing of the repository format, encryption or deduplication. Names are
 * relative, slash-separated paths made of {@code [A-Za-z0-9._-]} segments (see {@link
 * ObjectNames}). Objects are never modified in place and there is no rename: every write is a
 * create-if-absent, so two writers can never destroy each other's data.
 *
 * <p>Implementations are thread-safe: any method may be called from many threads at once. Errors
 * are {@link IOException}s whose message names the object and the store; {@link
 * NoSuchObjectException} and {@link ObjectExistsException} are the two outcomes callers branch on.
 * Whether an error is transient is decided by the implementation; only retry wrappers retry.
 */
public interface BlobStore extends AutoCloseable {

  /**
   * Creates {@code name} with {@code content} if no object of that name exists.
   *
   * <p>Atomic: a reader sees either no object or the whole content, never a prefix. Durable: when
   * this method returns normally the object survives a crash of this process and of the machine.
   * Not idempotent by design: a second create of the same name fails with {@link
   * ObjectExistsException} and leaves the first object untouched, whatever the content.
   *
   * @throws ObjectExistsException if the object already exists
   * @throws IOException if the object cannot be written; then no partial object is visible
   */
  void create(String name, byte[] content) throws IOException;

  /**
   * Creates {@code name} with the remaining bytes of {@code content} (position to limit), with the
   * same guarantees as {@link #create(String, byte[])}. The buffer's position is not changed.
   * Stores override this to write without the copy the default makes; wrappers need not.
   */
  default void create(String name, java.nio.ByteBuffer content) throws IOException {
    byte[] copy = new byte[content.remaining()];
    content.duplicate().get(copy);
    create(name, copy);
  }

  /**
   * Reads a whole object.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  byte[] read(String name) throws IOException;

  /**
   * Reads {@code length} bytes of {@code name} starting at {@code offset}.
   *
   * @throws NoSuchObjectException if the object does not exist
   * @throws java.io.EOFException if the range extends past the end of the object
   */
  byte[] readRange(String name, long offset, int length) throws IOException;

  /**
   * Calls {@code consumer} once for every object whose name starts with {@code prefix}, in no
   * particular order. Objects created or deleted during the listing may or may not be seen. The
   * listing is streamed: memory does not grow with the number of objects.
   */
  void list(String prefix, Consumer<ObjectInfo> consumer) throws IOException;

  /** Size and name of {@code name}, or empty if it does not exist. */
  Optional<ObjectInfo> stat(String name) throws IOException;

  /**
   * Deletes {@code name}. Idempotent: deleting a missing object succeeds. Durable when it returns.
   */
  void delete(String name) throws IOException;

  /** Where this store keeps its objects, for messages: a path or a URL without secrets. */
  String location();

  /** Releases connections and handles. Objects already created stay. */
  @Override
  default void close() throws IOException {}
}
