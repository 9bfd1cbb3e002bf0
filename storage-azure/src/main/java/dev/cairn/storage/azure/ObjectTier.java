package dev.cairn.storage.azure;

import java.util.Objects;
import java.util.Optional;

/**
 * The access tier of one object.
 *
 * @param tier the tier the object is in now
 * @param rehydratingTo the online tier an archived object is being rehydrated to, empty when no
 *     rehydration is pending
 */
public record ObjectTier(AccessTier tier, Optional<AccessTier> rehydratingTo) {
  public ObjectTier {
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(rehydratingTo, "rehydratingTo");
  }

  /** Whether the object can be read now. */
  public boolean readable() {
    return tier != AccessTier.ARCHIVE;
  }
}
