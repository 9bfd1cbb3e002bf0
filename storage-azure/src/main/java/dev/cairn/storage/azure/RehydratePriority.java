package dev.cairn.storage.azure;

/** How fast an archived object comes back online, and at what price. */
public enum RehydratePriority {
  /** Up to 15 hours. */
  STANDARD,
  /** Under an hour for small objects, at a higher price. */
  HIGH
}
