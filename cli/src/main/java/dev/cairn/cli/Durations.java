package dev.cairn.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them on the command line: {@code 90d}, {@code 12h}, {@code 30m}. */
final class Durations {
  private static final Pattern FORM = Pattern.compile("([0-9]{1,9})([smhd])");

  private Durations() {}

  /**
   * @throws IllegalArgumentException naming the option and the text when it is not such a duration
   */
  static Duration parse(String option, String text) {
    Matcher matcher = FORM.matcher(text == null ? "" : text.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          option + " takes a number and a unit s, m, h or d (e.g. 90d, 12h), not '" + text + "'");
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }
}
