package dev.cairn.storage;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Capability of stores that can keep every version of an object (S3 buckets with versioning, which
 * every bucket with Object Lock has), so that an object someone else deleted or overwrote is hidden
 * rather than lost, and can be made current again.
 *
 * <p>Cairn never replaces an object (creates are exclusive, names are unique or content-addressed),
 * so on such a store the <em>oldest</em> version of a name is Cairn's write, and anything stacked
 * over it (a delete marker, a newer version) came from another client. {@link #recoverOriginals}
 * undoes that stacking.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>It never deletes or changes the oldest version of a name, nor a newer version with the same
 *       content (an earlier recovery's copy, a retried write).
 *   <li>It acts only on names whose current state is not the oldest version's content; every other
 *       name is left exactly as it is, so running it again after success changes nothing.
 *   <li>Names that only ever had delete markers, or whose oldest version is current, are not
 *       reported.
 *   <li>A store that does not keep versions now (versioning never enabled) cannot hide anything: it
 *       reports {@link VersionRecovery#versioned()} false and does nothing.
 *   <li>Memory stays bounded by one listing page plus the versions of one name; names are processed
 *       as the listing goes.
 *   <li>Safe beside other Cairn operations: they never make a name's current version differ from
 *       its oldest.
 * </ul>
 */
public interface VersionedBlobStore extends BlobStore {

  /**
   * Makes the oldest version of every object whose name starts with one of {@code prefixes} the
   * current one again, or with {@code dryRun} only says what it would do. Delete markers over it
   * are removed; newer versions with other content are deleted; where one cannot be deleted
   * (retained, or refused), the oldest version is copied on top with its own retention and legal
   * hold. Each object acted on (or that would be, or could not be) goes to {@code recovered} once,
   * in listing order.
   *
   * @param prefixes name prefixes as {@link #list} takes them; an object matching several is
   *     handled once per matching prefix, so give prefixes that do not overlap
   * @throws IOException naming the store if it cannot be listed; a failure on one object is
   *     reported as {@link RecoveredObject.Kind#UNRECOVERABLE} and the others go on
   */
  VersionRecovery recoverOriginals(
      List<String> prefixes, boolean dryRun, Consumer<RecoveredObject> recovered)
      throws IOException;
}
