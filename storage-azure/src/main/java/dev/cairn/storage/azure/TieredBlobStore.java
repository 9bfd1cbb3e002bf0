package dev.cairn.storage.azure;

import dev.cairn.storage.ArchiveState;
import dev.cairn.storage.ArchivedObjectException;
import dev.cairn.storage.ArchivingBlobStore;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.RehydratePriority;
import java.io.IOException;

/**
 * Capability of stores that keep each object in an {@link AccessTier}. Reading an archived object
 * fails with {@link ArchivedObjectException}, never with stale or empty content.
 *
 * <p>The store-neutral {@link ArchivingBlobStore}, which the archive tier of repositories uses, is
 * built on these methods: archiving is {@link AccessTier#ARCHIVE}, rehydrating goes back to {@link
 * #REHYDRATED_TIER}.
 */
public interface TieredBlobStore extends ArchivingBlobStore {

  /**
   * Where rehydrated objects go: Hot, because the packs that come back are about to be read and may
   * be archived again soon, and Hot has no minimum storage period (Cool 30 days, Cold 90).
   */
  AccessTier REHYDRATED_TIER = AccessTier.HOT;

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

  /**
   * {@inheritDoc}
   *
   * <p>Asks the tier first: changing the tier of a blob that is being rehydrated is refused by
   * Azure, and a rehydration in progress must win over archiving.
   */
  @Override
  default void archive(String name) throws IOException {
    if (state(name) == ArchiveState.ONLINE) {
      setTier(name, AccessTier.ARCHIVE);
    }
  }

  @Override
  default ArchiveState state(String name) throws IOException {
    ObjectTier tier = tier(name);
    if (tier.readable()) {
      return ArchiveState.ONLINE;
    }
    return tier.rehydratingTo().isPresent() ? ArchiveState.REHYDRATING : ArchiveState.ARCHIVED;
  }

  /** {@inheritDoc} Rehydrates to {@link #REHYDRATED_TIER}. */
  @Override
  default void rehydrate(String name, RehydratePriority priority) throws IOException {
    if (state(name) == ArchiveState.ARCHIVED) {
      rehydrate(name, REHYDRATED_TIER, priority);
    }
  }
}
