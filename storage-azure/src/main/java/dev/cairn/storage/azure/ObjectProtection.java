package dev.cairn.storage.azure;

import java.util.Objects;
import java.util.Optional;

/**
 * What keeps one object from being changed or deleted.
 *
 * @param retention the time-based policy, empty when there is none
 * @param legalHold whether a legal hold is set (it protects until it is cleared, whatever the date)
 */
public record ObjectProtection(Optional<Retention> retention, boolean legalHold) {
  public ObjectProtection {
    Objects.requireNonNull(retention, "retention");
  }

  /** No policy and no hold. */
  public static final ObjectProtection NONE = new ObjectProtection(Optional.empty(), false);
}
