package dev.cairn.storage;

import java.util.regex.Pattern;

/** The rule every store applies to object names, so that a name is valid on every store. */
public final class ObjectNames {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

  private ObjectNames() {}

  /**
   * Returns {@code name} if it is a valid object name: 1 to 16 segments separated by single
   * slashes, each segment 1 to 128 characters of {@code [A-Za-z0-9._-]} not starting with a dot.
   *
   * @throws IllegalArgumentException naming the offending name otherwise
   */
  public static String requireValid(String name) {
    if (name == null || name.isEmpty() || name.length() > 1024) {
      throw new IllegalArgumentException("Invalid object name '" + name + "': empty or too long");
    }
    String[] segments = name.split("/", -1);
    if (segments.length > 16) {
      throw new IllegalArgumentException("Invalid object name '" + name + "': too many segments");
    }
    for (String segment : segments) {
      if (!SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException(
            "Invalid object name '" + name + "': segment '" + segment + "' is not allowed");
      }
    }
    return name;
  }

  /** Validates a listing prefix: empty, or a valid name optionally ending with a slash. */
  public static String requireValidPrefix(String prefix) {
    if (prefix.isEmpty()) {
      return prefix;
    }
    String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    requireValid(trimmed);
    return prefix;
  }
}
