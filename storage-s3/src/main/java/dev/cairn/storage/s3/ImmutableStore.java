package dev.cairn.storage.s3;

import dev.cairn.storage.BlobStore;
import java.io.IOException;

/**
 * Capability of stores that can make objects undeletable for a time (S3 Object Lock), the ground
 * for immutable repositories: backups that ransomware holding the repository's credentials cannot
 * destroy.
 *
 * <p>Locks protect object <em>versions</em>. On a store with versioning, {@link #delete(String)}
 * still makes a locked object invisible (it adds a delete marker) but its data stays and can be
 * restored; deleting the locked version itself is refused by the server until the retention expires
 * and no legal hold remains. Whether the server enforces locks is the server's business: some
 * S3-compatible servers store the settings without enforcing them.
 */
public interface ImmutableStore extends BlobStore {

  /**
   * Creates {@code name} like {@link #create(String, byte[])}, locked as {@code lock} says from its
   * first byte: there is no moment at which the object exists unprotected.
   *
   * @throws dev.cairn.storage.ObjectExistsException if the object already exists
   * @throws IOException if it cannot be written, e.g. because the bucket has no Object Lock
   */
  void create(String name, byte[] content, ObjectLock lock) throws IOException;

  /**
   * The lock of {@code name}'s current version: {@link ObjectLock#NONE} if it has none.
   *
   * @throws dev.cairn.storage.NoSuchObjectException if the object does not exist
   */
  ObjectLock lock(String name) throws IOException;

  /**
   * Sets {@code name}'s retention to {@code retention}, which must not end before the current one
   * (stores refuse to shorten a retention; COMPLIANCE retentions cannot change mode).
   *
   * @throws dev.cairn.storage.NoSuchObjectException if the object does not exist
   * @throws IOException naming the object if the store refuses
   */
  void extendRetention(String name, Retention retention) throws IOException;

  /**
   * Places ({@code true}) or removes ({@code false}) a legal hold on {@code name}.
   *
   * @throws dev.cairn.storage.NoSuchObjectException if the object does not exist
   */
  void setLegalHold(String name, boolean legalHold) throws IOException;
}
