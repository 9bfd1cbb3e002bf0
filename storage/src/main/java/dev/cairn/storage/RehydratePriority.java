package dev.cairn.storage;

/**
 * How fast an archived object comes back online, and at what price. The times are the services' own
 * figures, not promises: Azure Archive's below; S3 Glacier Flexible Retrieval 3 to 5 hours at
 * STANDARD, minutes at HIGH (Expedited); S3 Glacier Deep Archive within 12 hours at both, as it has
 * no faster retrieval.
 */
public enum RehydratePriority {
  /** Up to 15 hours, the cheaper retrieval. */
  STANDARD,
  /** Under an hour for objects up to 10 GiB, at a higher price. */
  HIGH
}
