package dev.cairn.repository.pack;

/** What a blob in a pack holds. The byte codes are part of the format and never change. */
public enum BlobType {
  /** A block of a disk. */
  DATA(0),
  /** A page of a disk's block map. */
  TREE(1);

  private final int code;

  BlobType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static BlobType fromCode(int code) {
    return switch (code) {
      case 0 -> DATA;
      case 1 -> TREE;
      default -> throw new IllegalArgumentException("unknown blob type " + code);
    };
  }
}
