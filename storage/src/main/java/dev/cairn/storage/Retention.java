package dev.cairn.storage;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Write-once protection of one object until a date: until {@code retainUntil} the store refuses to
 * delete or overwrite the object's data.
 *
 * @param mode who, if anyone, may lift the retention early
 * @param retainUntil the first instant at which the object may be deleted again, to the second
 *     (services keep whole seconds, so it is truncated)
 */
public record Retention(RetentionMode mode, Instant retainUntil) {
  public Retention {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(retainUntil, "retainUntil");
    retainUntil = retainUntil.truncatedTo(ChronoUnit.SECONDS);
  }

  /** Whether the object is still protected at {@code now}. */
  public boolean protectsAt(Instant now) {
    return now.isBefore(retainUntil);
  }
}
