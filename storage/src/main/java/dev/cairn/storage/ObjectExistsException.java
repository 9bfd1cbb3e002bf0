package dev.cairn.storage;

import java.io.IOException;

/** A create-if-absent found an object of that name already in the store; nothing was written. */
public final class ObjectExistsException extends IOException {
  private final String objectName;

  public ObjectExistsException(String objectName, String storeLocation) {
    super("Cannot create object " + objectName + " in " + storeLocation + ": it already exists");
    this.objectName = objectName;
  }

  public String objectName() {
    return objectName;
  }
}
