package dev.cairn.storage.s3;

/** How strictly a store keeps an object until its retain-until date (S3 Object Lock modes). */
public enum RetentionMode {
  /** Users with a special permission may shorten or remove the retention; nobody else can. */
  GOVERNANCE,
  /** Nobody, not even the account's root user, can delete the object or shorten its retention. */
  COMPLIANCE
}
