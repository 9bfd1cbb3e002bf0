package dev.cairn.storage.azure;

import java.io.IOException;

/** A read of an object in {@link AccessTier#ARCHIVE}: it must be rehydrated first. */
public final class ArchivedObjectException extends IOException {
  private final String objectName;

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
  }

  public String objectName() {
    return objectName;
  }
}
