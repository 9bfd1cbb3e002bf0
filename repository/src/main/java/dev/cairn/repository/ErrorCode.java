package dev.cairn.repository;

/**
 * What kind of failure happened, decided once where it is detected. The CLI maps it to an exit
 * status and the server (later) to a problem type, so scripts can branch on it.
 */
public enum ErrorCode {
  /** Bad arguments or input files given by the user. */
  INVALID_INPUT(2),
  /** No key slot opens with the given password. */
  WRONG_PASSWORD(3),
  /** No repository at the location, or one this version cannot read. */
  REPOSITORY_UNAVAILABLE(4),
  /** Stored data failed verification (missing, truncated or altered objects). */
  DAMAGED_DATA(5),
  /** Another operation holds a conflicting lock. */
  LOCKED(6),
  /** The disk being backed up could not be read or changed underneath us. */
  SOURCE_FAILED(7),
  /** The store failed to read or write (disk full, permission, network). */
  STORAGE_FAILED(8),
  /** A restore target (file, device, NBD export) or an export client could not be written. */
  TARGET_FAILED(9),
  /** A hypervisor (vCenter, ESXi) refused the login, or the role lacks a needed privilege. */
  ACCESS_DENIED(10),
  /**
   * A hypervisor could not be reached or trusted (certificate, thumbprint), or failed a request.
   */
  HYPERVISOR_FAILED(11),
  /** Data the operation needs is in the store's offline archive tier: rehydrate it first. */
  DATA_ARCHIVED(12),
  /** Anything else: a bug or an unexpected environment. */
  INTERNAL(1);

  private final int exitStatus;

  ErrorCode(int exitStatus) {
    this.exitStatus = exitStatus;
  }

  /** The process exit status the CLI uses for this code. */
  public int exitStatus() {
    return exitStatus;
  }
}
