package dev.cairn.storage;

/**
 * How strictly a store keeps an object until its retain-until date (S3 Object Lock's modes; Azure
 * calls them an unlocked and a locked immutability policy).
 */
public enum RetentionMode {
  /**
   * Users with a special permission may shorten or remove the retention; nobody else can (Azure: an
   * unlocked policy).
   */
  GOVERNANCE,
  /**
   * Nobody, not even the account's root user, can delete the object or shorten its retention
   * (Azure: a locked policy).
   */
  COMPLIANCE
}
