package dev.cairn.repository.config;

import dev.cairn.storage.Retention;
import dev.cairn.storage.RetentionMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The {@code immutability} field of an immutable repository's config: how long every object the
 * repository writes stays undeletable.
 *
 * <p>An object written at {@code t} is retained until {@code t + days + marginDays}. The margin
 * covers what the days alone would not: clocks that disagree, a backup that runs for hours after
 * its point's time, and the interval between two maintenance runs (prune extends the retention of
 * data that restore points still reference, and a point deduplicated against older data is covered
 * only from the last maintenance on). See docs/decisions/0007-immutable-repositories.md.
 *
 * @param days how long each restore point must stay undeletable after its backup
 * @param marginDays added to {@code days} for every retention the repository sets
 * @param mode the retention mode every object is written with
 */
public record Immutability(int days, int marginDays, RetentionMode mode) {
  /** The margin {@code init} records unless told otherwise: a week, one maintenance interval. */
  public static final int DEFAULT_MARGIN_DAYS = 7;

  /** The longest retention {@code init} accepts: ten years, against a typo locking data forever. */
  public static final int MAXIMUM_DAYS = 3650;

  public Immutability {
    Objects.requireNonNull(mode, "mode");
    if (days < 1 || days > MAXIMUM_DAYS) {
      throw new IllegalArgumentException(
          "Cannot make a repository immutable for " + days + " days: give 1 to " + MAXIMUM_DAYS);
    }
    if (marginDays < 0 || marginDays > MAXIMUM_DAYS) {
      throw new IllegalArgumentException(
          "Cannot use a retention margin of " + marginDays + " days: give 0 to " + MAXIMUM_DAYS);
    }
  }

  /** How long after it is written (or extended) an object stays retained. */
  public Duration retainedFor() {
    return Duration.ofDays((long) days + marginDays);
  }

  /** The retention of an object written or extended at {@code now}. */
  public Retention retentionFrom(Instant now) {
    return new Retention(mode, now.plus(retainedFor()));
  }
}
