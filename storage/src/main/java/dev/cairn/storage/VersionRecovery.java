package dev.cairn.storage;

/**
 * What {@link VersionedBlobStore#recoverOriginals} did (or, in a dry run, would do), in counts; the
 * objects themselves went to its consumer.
 *
 * @param location the store, as {@link BlobStore#location()} names it
 * @param versioned whether the store keeps versions; if not, nothing can be hidden and the counts
 *     are zero
 * @param dryRun whether nothing was changed
 * @param objectsExamined objects (names with at least one version that is not a delete marker)
 *     looked at
 * @param markersRemoved objects made current by removing delete markers only
 * @param overwritesRemoved objects made current by deleting newer foreign versions (and any
 *     markers)
 * @param originalsCopied objects made current by copying the original over a foreign version that
 *     could not be deleted
 * @param unrecoverable objects that could not be made current
 * @param deleteMarkersDeleted delete markers deleted (would be, in a dry run), over all objects
 * @param foreignVersionsDeleted foreign versions deleted (would be, in a dry run), over all objects
 */
public record VersionRecovery(
    String location,
    boolean versioned,
    boolean dryRun,
    long objectsExamined,
    long markersRemoved,
    long overwritesRemoved,
    long originalsCopied,
    long unrecoverable,
    long deleteMarkersDeleted,
    long foreignVersionsDeleted) {

  /** Objects that were (or would be) made current again. */
  public long recovered() {
    return markersRemoved + overwritesRemoved + originalsCopied;
  }
}
