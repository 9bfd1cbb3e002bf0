package dev.cairn.storage;

/**
 * How fast an archived object comes back online, and at what price. The times are the services' own
 * figures (Azure Archive; S3 Glacier Flexible Retrieval is similar), not promises.
 */
public enum RehydratePriority {
  /** Up to 15 hours, the cheaper retrieval. */
  STANDARD,
  /** Under an hour for objects up to 10 GiB, at a higher price. */
  HIGH
}
