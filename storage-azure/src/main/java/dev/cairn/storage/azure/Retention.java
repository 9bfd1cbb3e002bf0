package dev.cairn.storage.azure;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A time-based write-once policy on one object: until {@link #until()} the object can be neither
 * changed nor deleted, by anyone.
 *
 * @param until when the protection ends, to the second (the service keeps whole seconds)
 * @param mode whether the policy may still be shortened or removed
 */
public record Retention(Instant until, Mode mode) {

  /** Whether a policy can be weakened. */
  public enum Mode {
    /**
     * For testing a setup: the policy can still be shortened or removed by someone allowed to,
     * while the object cannot be changed or deleted.
     */
    UNLOCKED,
    /** Final: the date can only be moved later and the policy cannot be removed. */
    LOCKED
  }

  /** Validates the values and truncates {@code until} to whole seconds. */
  public Retention {
    Objects.requireNonNull(until, "until");
    Objects.requireNonNull(mode, "mode");
    until = until.truncatedTo(ChronoUnit.SECONDS);
  }
}
