package dev.cairn.storage.s3;

import java.time.Instant;
import java.util.Objects;

/**
 * Write-once protection of one object until a date: until {@code retainUntil} the store refuses to
 * delete or overwrite the object's data.
 *
 * @param mode who, if anyone, may lift the retention early
 * @param retainUntil the first instant at which the object may be deleted again
 */
public record Retention(RetentionMode mode, Instant retainUntil) {
  public Retention {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(retainUntil, "retainUntil");
  }
}
