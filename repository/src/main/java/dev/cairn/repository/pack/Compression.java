package dev.cairn.repository.pack;

/** How a blob's plaintext is encoded. The byte codes are part of the format and never change. */
public enum Compression {
  NONE(0),
  ZSTD(1);

  private final int code;

  Compression(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static Compression fromCode(int code) {
    return switch (code) {
      case 0 -> NONE;
      case 1 -> ZSTD;
      default -> throw new IllegalArgumentException("unknown compression " + code);
    };
  }
}
