package dev.cairn.storage;

import java.io.IOException;

/**
 * A read of an object that is in an offline archive tier (see {@link ArchivingBlobStore}): it must
 * be rehydrated before it can be read. Never thrown for an object that is merely slow to read.
 */
public final class ArchivedObjectException extends IOException {
  private final String objectName;
  private final boolean rehydrating;

  /**
   * @param objectName the archived object
   * @param storeLocation the store, for the message
   * @param rehydrating whether a rehydration is already pending
   */
  public ArchivedObjectException(String objectName, String storeLocation, boolean rehydrating) {
    super(
        "Cannot read object "
            + objectName
            + " in "
            + storeLocation
            + (rehydrating
                ? ": archived, rehydration in progress"
                : ": archived, rehydrate first"));
    this.objectName = objectName;
    this.rehydrating = rehydrating;
  }

  public String objectName() {
    return objectName;
  }

  /** Whether a rehydration was already pending when the read failed. */
  public boolean rehydrating() {
    return rehydrating;
  }
}
