package dev.cairn.storage.s3;

import dev.cairn.storage.Retention;
import java.util.Objects;
import java.util.Optional;

/**
 * The Object Lock state of one object: an optional {@link Retention} and a legal hold. A legal hold
 * protects the object like a retention without a date, until it is removed.
 *
 * @param retention protection until a date, or empty
 * @param legalHold whether the object is under legal hold
 */
public record ObjectLock(Optional<Retention> retention, boolean legalHold) {
  /** No protection: what objects written without a lock (and without bucket defaults) have. */
  public static final ObjectLock NONE = new ObjectLock(Optional.empty(), false);

  public ObjectLock {
    Objects.requireNonNull(retention, "retention");
  }

  /** Protection until {@code retention}'s date, without legal hold. */
  public static ObjectLock retainedBy(Retention retention) {
    return new ObjectLock(Optional.of(retention), false);
  }

  /** A legal hold without a retention date. */
  public static ObjectLock legalHoldOnly() {
    return new ObjectLock(Optional.empty(), true);
  }
}
