package dev.cairn.storage;

import java.io.IOException;

/** The object asked for does not exist in the store. */
public final class NoSuchObjectException extends IOException {
  private final String objectName;

  public NoSuchObjectException(String objectName, String storeLocation) {
    super("Cannot read object " + objectName + " in " + storeLocation + ": no such object");
    this.objectName = objectName;
  }

  public String objectName() {
    return objectName;
  }
}
