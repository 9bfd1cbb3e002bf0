package dev.cairn.storage;

import java.util.Objects;

/**
 * One object that {@link VersionedBlobStore#recoverOriginals} made current again, would have (dry
 * run), or could not.
 *
 * @param name the object's name
 * @param kind what was (or would be) done
 * @param detail one line: which versions were removed or kept and why, or why it failed
 */
public record RecoveredObject(String name, Kind kind, String detail) {
  public RecoveredObject {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
  }

  /** What recovering one object took. */
  public enum Kind {
    /** It was hidden under delete markers; removing them made the original current. */
    MARKERS_REMOVED,
    /** Newer versions with other content were deleted; the original is current again. */
    OVERWRITE_REMOVED,
    /**
     * A newer version with other content could not be deleted (retained, or refused): the original
     * was copied on top of it, with the original's retention, and is current again. The foreign
     * version stays underneath.
     */
    ORIGINAL_COPIED,
    /** The original could not be made current; {@link #detail()} says why. */
    UNRECOVERABLE
  }
}
