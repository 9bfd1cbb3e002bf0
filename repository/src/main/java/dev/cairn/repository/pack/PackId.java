package dev.cairn.repository.pack;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A pack's name: 32 random bytes in hex plus whether it holds disk data or block-map pages. Data
 * and tree packs live under separate prefixes so that storage rules (archive tiers) can move data
 * while metadata stays online.
 */
public record PackId(String hex, PackKind kind) {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public PackId {
    if (!HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException("Invalid pack id '" + hex + "'");
    }
  }

  public static PackId random(PackKind kind, java.util.random.RandomGenerator random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return new PackId(HexFormat.of().formatHex(bytes), kind);
  }

  /** Parses an object name made by {@link #objectName()}, or returns null if it is not one. */
  public static PackId fromObjectName(String name) {
    for (PackKind kind : PackKind.values()) {
      String prefix = kind.prefix();
      if (name.startsWith(prefix) && name.length() == prefix.length() + 3 + 64) {
        String hex = name.substring(prefix.length() + 3);
        if (HEX.matcher(hex).matches() && name.startsWith(prefix + hex.substring(0, 2) + "/")) {
          return new PackId(hex, kind);
        }
      }
    }
    return null;
  }

  public String objectName() {
    return kind.prefix() + hex.substring(0, 2) + "/" + hex;
  }

  public byte[] idBytes() {
    return HexFormat.of().parseHex(hex);
  }

  @Override
  public String toString() {
    return objectName();
  }
}
