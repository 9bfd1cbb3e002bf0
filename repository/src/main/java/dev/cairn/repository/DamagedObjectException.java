package dev.cairn.repository;

/** A stored object is missing, truncated or fails authentication. Names the object. */
public final class DamagedObjectException extends CairnException {
  private final String objectName;

  public DamagedObjectException(String objectName, String reason) {
    super(ErrorCode.DAMAGED_DATA, "Damaged object " + objectName + ": " + reason);
    this.objectName = objectName;
  }

  public DamagedObjectException(String objectName, String reason, Throwable cause) {
    super(ErrorCode.DAMAGED_DATA, "Damaged object " + objectName + ": " + reason, cause);
    this.objectName = objectName;
  }

  public String objectName() {
    return objectName;
  }
}
