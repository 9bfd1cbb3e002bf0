package dev.cairn.storage.s3;

import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.RehydratePriority;
import java.io.IOException;

/**
 * Capability of stores that keep objects in several cost tiers (S3 storage classes): packs that are
 * rarely read go to a cheaper class, at the price of slower, billed or delayed reads. Reading an
 * object of an offline class ({@link StorageClass#offline()}) that has no restored copy fails with
 * {@link ArchivedObjectException}, never with stale or empty content.
 *
 * <p>The store-neutral {@link ArchivingBlobStore}, which the archive tier of repositories uses, is
 * built on these methods, as S3 offers it:
 *
 * <ul>
 *   <li>archiving is a copy of the object onto itself in {@link #archiveClass()} (the class of an
 *       existing object changes no other way);
 *   <li>rehydrating is a RestoreObject, which only makes a temporary copy for {@link #RESTORE_DAYS}
 *       days, followed, once that copy is readable, by a copy onto itself in {@link
 *       #REHYDRATED_CLASS}: the SPI promises that a rehydrated object stays online. That second
 *       step is taken by whichever of {@link #state} or {@link #rehydrate} first finds the copy
 *       ready.
 * </ul>
 *
 * <p>Each copy onto itself is a new version on a versioned bucket; see {@link #changeStorageClass}
 * for what happens to the one it replaces.
 */
public interface TieredStore extends ArchivingBlobStore {

  /**
   * Where rehydrated objects go: STANDARD, because the packs that come back are about to be read
   * and may be archived again soon, and STANDARD has no minimum storage period (STANDARD_IA 30
   * days).
   */
  StorageClass REHYDRATED_CLASS = StorageClass.STANDARD;

  /**
   * How many days a restore's temporary copy lives. The copy back to {@link #REHYDRATED_CLASS} ends
   * it as soon as Cairn sees it ready (a restore polls every few minutes); the days only matter
   * when nobody is waiting: a rehydration interrupted on a Friday and resumed on Monday finds its
   * copy still there instead of starting over. The temporary copy is billed like STANDARD
   * meanwhile.
   */
  int RESTORE_DAYS = 3;

  /**
   * Creates {@code name} like {@link #create(String, byte[])}, in {@code storageClass}.
   *
   * @throws dev.cairn.storage.ObjectExistsException if the object already exists
   * @throws IOException if it cannot be written, e.g. the server does not know the class
   */
  void create(String name, byte[] content, StorageClass storageClass) throws IOException;

  /**
   * The storage class of {@code name}.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  StorageClass storageClass(String name) throws IOException;

  /**
   * The storage class of {@code name} and the state of its restore. One HEAD request.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  ObjectClass objectClass(String name) throws IOException;

  /** The offline class {@link #archive} moves objects to: GLACIER or DEEP_ARCHIVE. */
  StorageClass archiveClass();

  /**
   * Moves {@code name} to {@code target} by copying it onto itself, content, metadata and Object
   * Lock protection included; does nothing if it is already in {@code target}. An object of an
   * offline class can be copied only while it has a restored copy.
   *
   * <p>On a versioned bucket the copy is a new version and the one it replaces stays, billed in its
   * old class, unless it can be deleted: the store deletes it when it is neither retained nor under
   * legal hold (the new version holds the same bytes), and leaves a retained one to expire (a
   * lifecycle rule for noncurrent versions then removes it).
   *
   * @throws NoSuchObjectException if the object does not exist
   * @throws IOException naming the object if the copy is refused, e.g. an offline object without a
   *     restored copy
   */
  void changeStorageClass(String name, StorageClass target) throws IOException;

  /**
   * Asks for a temporary copy of the offline object {@code name}, readable for {@code days} days
   * once made. Returns at once; asking while a restore is in progress or a copy exists is harmless.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  void restore(String name, int days, RetrievalTier tier) throws IOException;

  /**
   * The retrieval tier for {@code priority} on an object of {@code storageClass}: HIGH is Expedited
   * on GLACIER; DEEP_ARCHIVE offers nothing faster than Standard (within 12 hours), so HIGH is
   * Standard there; STANDARD is always Standard (Bulk is cheaper but up to 48 hours, beyond what
   * the SPI's STANDARD promises).
   */
  static RetrievalTier retrievalTier(StorageClass storageClass, RehydratePriority priority) {
    if (priority == RehydratePriority.HIGH && !storageClass.equals(StorageClass.DEEP_ARCHIVE)) {
      return RetrievalTier.EXPEDITED;
    }
    return RetrievalTier.STANDARD;
  }

  /**
   * {@inheritDoc}
   *
   * <p>An object already in an offline class is left alone, whether archived, being restored or
   * with a temporary copy (which expires by itself); any online class (GLACIER_IR included) is
   * copied to {@link #archiveClass()}.
   */
  @Override
  default void archive(String name) throws IOException {
    if (!objectClass(name).storageClass().offline()) {
      changeStorageClass(name, archiveClass());
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A restored temporary copy is the first half of a rehydration: this finishes it with the copy
   * to {@link #REHYDRATED_CLASS} (one request more, once per rehydration) and reports ONLINE, so a
   * restore that polls here gets objects that stay online.
   */
  @Override
  default ArchiveState state(String name) throws IOException {
    ObjectClass found = objectClass(name);
    if (!found.storageClass().offline()) {
      return ArchiveState.ONLINE;
    }
    return switch (found.restore()) {
      case NONE -> ArchiveState.ARCHIVED;
      case IN_PROGRESS -> ArchiveState.REHYDRATING;
      case RESTORED -> {
        changeStorageClass(name, REHYDRATED_CLASS);
        yield ArchiveState.ONLINE;
      }
    };
  }

  /**
   * {@inheritDoc}
   *
   * <p>RestoreObject for {@link #RESTORE_DAYS} days at {@link #retrievalTier}; an object whose
   * temporary copy is already there is copied to {@link #REHYDRATED_CLASS} at once.
   */
  @Override
  default void rehydrate(String name, RehydratePriority priority) throws IOException {
    ObjectClass found = objectClass(name);
    if (!found.storageClass().offline()) {
      return;
    }
    switch (found.restore()) {
      case NONE -> restore(name, RESTORE_DAYS, retrievalTier(found.storageClass(), priority));
      case IN_PROGRESS -> {}
      case RESTORED -> changeStorageClass(name, REHYDRATED_CLASS);
    }
  }
}
