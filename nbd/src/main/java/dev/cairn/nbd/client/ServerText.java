package dev.cairn.nbd.client;

import java.nio.charset.StandardCharsets;

/** Makes a string the server sent safe to put in one line of an error message or a log. */
final class ServerText {
  private static final int MAX_CHARS = 300;

  private ServerText() {}

  /** Decodes UTF-8 leniently, replaces control characters with '?', and shortens long text. */
  static String of(byte[] utf8) {
    String text = new String(utf8, StandardCharsets.UTF_8);
    StringBuilder clean = new StringBuilder(Math.min(text.length(), MAX_CHARS + 3));
    for (int i = 0; i < text.length() && clean.length() < MAX_CHARS; i++) {
      char c = text.charAt(i);
      clean.append(Character.isISOControl(c) ? '?' : c);
    }
    if (text.length() > MAX_CHARS) {
      clean.append("...");
    }
    return clean.toString().strip();
  }

  /** {@code ": text"}, or nothing when the server sent no text. */
  static String suffix(byte[] utf8) {
    String text = of(utf8);
    return text.isEmpty() ? "" : ": " + text;
  }
}
