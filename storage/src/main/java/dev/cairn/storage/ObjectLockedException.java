package dev.cairn.storage;

import java.io.IOException;

/**
 * The store refused to delete, overwrite or weaken the protection of an object under a retention or
 * legal hold; the object is unchanged.
 */
public final class ObjectLockedException extends IOException {
  private final String objectName;

  /**
   * @param verb what was refused, e.g. "delete"
   * @param objectName the protected object
   * @param storeLocation the store, for the message
   * @param reason why, e.g. "retained until 2031-01-01T00:00:00Z"
   */
  public ObjectLockedException(
      String verb, String objectName, String storeLocation, String reason) {
    super("Cannot " + verb + " object " + objectName + " in " + storeLocation + ": " + reason);
    this.objectName = objectName;
  }

  public String objectName() {
    return objectName;
  }
}
