package dev.cairn.storage.azure;

import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.RetainingBlobStore;
import java.io.IOException;

/**
 * Azure's immutability beyond the store-neutral {@link RetainingBlobStore}: a policy in Azure's own
 * terms ({@link Retention.Mode#UNLOCKED} is the neutral {@link
 * dev.cairn.storage.RetentionMode#GOVERNANCE}, {@link Retention.Mode#LOCKED} is {@link
 * dev.cairn.storage.RetentionMode#COMPLIANCE}) and legal holds. While an object is protected,
 * {@link #delete} fails with {@link ObjectLockedException} and the object stays.
 *
 * <p>The service must be set up for it (on Azure: a container with version-level immutability
 * support); a service that cannot do it refuses with an {@link IOException} saying so, and nothing
 * is created unprotected.
 */
public interface ImmutableBlobStore extends RetainingBlobStore {

  /**
   * Creates {@code name} like {@link #create(String, byte[])}, protected from the moment it exists
   * by {@code retention} and, if {@code legalHold}, a legal hold.
   *
   * @throws ObjectExistsException if the object already exists
   * @throws IOException if the service refuses the protection; then no object is created
   */
  void createImmutable(String name, byte[] content, Retention retention, boolean legalHold)
      throws IOException;

  /**
   * Replaces the retention of {@code name} with {@code retention}: a later date, or an {@link
   * Retention.Mode#UNLOCKED} policy turned {@link Retention.Mode#LOCKED}. The service refuses to
   * shorten or unlock a locked policy ({@link ObjectLockedException}).
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  void extendRetention(String name, Retention retention) throws IOException;

  /**
   * Sets or clears the legal hold of {@code name}.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  void setLegalHold(String name, boolean hold) throws IOException;

  /**
   * The retention and legal hold of {@code name}.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  ObjectProtection protection(String name) throws IOException;
}
