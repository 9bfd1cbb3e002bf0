package dev.cairn.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Capability of stores that can make objects undeletable until a date (S3 Object Lock, Azure
 * version-level immutability): the ground of immutable repositories, whose restore points someone
 * holding the repository's credentials cannot destroy before their retention ends.
 *
 * <p>The store, not the caller, enforces the retention: while an object is retained, {@link
 * #delete} fails with {@link ObjectLockedException} and the object stays readable, and no create
 * can replace it. A retention can be moved later, never earlier. When the service refuses a
 * retention (a bucket or container not set up for it, a permission missing), the operation fails
 * with an {@link IOException} naming the object and nothing unprotected is left behind.
 *
 * <p>Thread-safe like every store. Dates are kept to the second.
 */
public interface RetainingBlobStore extends BlobStore {

  /**
   * Creates {@code name} like {@link #create(String, byte[])}, retained as {@code retention} says
   * from its first byte: there is no moment at which the object exists unprotected.
   *
   * @throws ObjectExistsException if the object already exists
   * @throws IOException naming the object if it cannot be written or the service refuses the
   *     retention; then no object is visible
   */
  void createRetained(String name, byte[] content, Retention retention) throws IOException;

  /**
   * Creates {@code name} from the remaining bytes of {@code content}, as {@link
   * #createRetained(String, byte[], Retention)}. The buffer's position is not changed.
   */
  default void createRetained(String name, ByteBuffer content, Retention retention)
      throws IOException {
    byte[] copy = new byte[content.remaining()];
    content.duplicate().get(copy);
    createRetained(name, copy, retention);
  }

  /**
   * Makes {@code name} retained at least until {@code retention}'s date. Never shortens: if the
   * object is already retained until then or later, nothing changes (so the call is idempotent). An
   * object already retained keeps its mode (a compliance retention cannot become governance); one
   * without retention gets {@code retention}'s mode.
   *
   * @throws NoSuchObjectException if the object does not exist
   * @throws IOException naming the object if the service refuses
   */
  void extendRetention(String name, Retention retention) throws IOException;

  /**
   * The retention of {@code name}, or empty if it has none (written without one, or by a plain
   * {@link #create(String, byte[])}). An expired retention may still be reported.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  Optional<Retention> retention(String name) throws IOException;

  /**
   * Deletes {@code name} as {@link BlobStore#delete} does, unless it is retained.
   *
   * @throws ObjectLockedException naming the object and, where the store knows, the date, if the
   *     object is retained or under legal hold; the object stays readable
   */
  @Override
  void delete(String name) throws IOException;
}
