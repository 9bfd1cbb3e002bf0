package dev.cairn.storage.s3;

import dev.cairn.storage.RetainingBlobStore;
import java.io.IOException;

/**
 * S3 Object Lock beyond the store-neutral {@link RetainingBlobStore}: locks that combine a
 * retention with a legal hold.
 *
 * <p>Locks protect object <em>versions</em>. Deleting the locked version is refused by the server
 * until the retention expires and no legal hold remains; {@link S3BlobStore#delete} deletes the
 * current version by its id, so it is refused too. A plain DeleteObject without a version id, as
 * any S3 client can send, only adds a delete marker on top: the object looks gone but its locked
 * data stays and can be made current again by deleting the marker. Whether the server enforces
 * locks is the server's business: some S3-compatible servers store the settings without enforcing
 * them.
 */
public interface ImmutableStore extends RetainingBlobStore {

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
   * Places ({@code true}) or removes ({@code false}) a legal hold on {@code name}.
   *
   * @throws dev.cairn.storage.NoSuchObjectException if the object does not exist
   */
  void setLegalHold(String name, boolean legalHold) throws IOException;
}
