package dev.cairn.repository.pack;

/** Which prefix a pack lives under. The codes and prefixes are part of the format. */
public enum PackKind {
  DATA(0, "packs/data/"),
  TREE(1, "packs/tree/");

  private final int code;
  private final String prefix;

  PackKind(int code, String prefix) {
    this.code = code;
    this.prefix = prefix;
  }

  public int code() {
    return code;
  }

  public String prefix() {
    return prefix;
  }

  public static PackKind fromCode(int code) {
    return switch (code) {
      case 0 -> DATA;
      case 1 -> TREE;
      default -> throw new IllegalArgumentException("unknown pack kind " + code);
    };
  }

  public static PackKind of(BlobType type) {
    return type == BlobType.DATA ? DATA : TREE;
  }
}
