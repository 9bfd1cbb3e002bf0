package dev.cairn.storage.azure;

import dev.cairn.storage.BlobStore;
import dev.cairn.storage.NoSuchObjectException;
import java.io.IOException;

/**
 * Capability of stores that keep each object in an {@link AccessTier}: the later "archive tier"
 * feature moves old packs to {@link AccessTier#ARCHIVE} and rehydrates them before a restore.
 * Reading an archived object fails with {@link ArchivedObjectException}, never with stale or empty
 * content. Written against no Azure type, so it can move to the storage SPI unchanged.
 */
public interface TieredBlobStore extends BlobStore {

  /**
   * Moves {@code name} to {@code tier}. Moving an archived object to an online tier starts a
   * rehydration at {@link RehydratePriority#STANDARD}; see {@link #rehydrate}.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  void setTier(String name, AccessTier tier) throws IOException;

  /**
   * The tier of {@code name} and any pending rehydration.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  ObjectTier tier(String name) throws IOException;

  /**
   * Starts bringing an archived object back to the online tier {@code target}. Returns at once; the
   * object stays unreadable until {@link #tier} reports {@code target}. Rehydrating an object that
   * is already online moves it to {@code target}.
   *
   * @throws IllegalArgumentException if {@code target} is {@link AccessTier#ARCHIVE}
   * @throws NoSuchObjectException if the object does not exist
   */
  void rehydrate(String name, AccessTier target, RehydratePriority priority) throws IOException;
}
