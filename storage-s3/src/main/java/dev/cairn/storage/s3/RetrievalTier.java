package dev.cairn.storage.s3;

/**
 * How fast a RestoreObject makes its temporary copy, by S3's names (the request's {@code
 * GlacierJobParameters/Tier}). The times are AWS's own figures, not promises.
 */
public enum RetrievalTier {
  /**
   * GLACIER: 1 to 5 minutes for most objects, the most expensive; may be refused with 503 when AWS
   * lacks capacity. DEEP_ARCHIVE does not offer it.
   */
  EXPEDITED("Expedited"),
  /** GLACIER: 3 to 5 hours; DEEP_ARCHIVE: within 12 hours. */
  STANDARD("Standard"),
  /** GLACIER: 5 to 12 hours; DEEP_ARCHIVE: within 48 hours; the cheapest. Cairn does not use it. */
  BULK("Bulk");

  private final String serviceName;

  RetrievalTier(String serviceName) {
    this.serviceName = serviceName;
  }

  /** The name in the request body: Expedited, Standard or Bulk. */
  public String serviceName() {
    return serviceName;
  }
}
