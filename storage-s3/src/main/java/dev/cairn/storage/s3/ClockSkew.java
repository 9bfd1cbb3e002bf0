package dev.cairn.storage.s3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Recognises a request the server refused because this machine's clock is off its own, and says by
 * how much. S3 refuses a request signed more than 15 minutes off its time (403
 * RequestTimeTooSkewed). The SDK retries such an answer after correcting its clock from the
 * answer's {@code Date} header, so this is what remains when it could not: the attempts ran out, or
 * the server (or a proxy in front of it) sent no {@code Date}, or one that disagrees with the clock
 * the server checks signatures against.
 *
 * <p>The SDK keeps no error body here, so the {@code <RequestTime>} and {@code <ServerTime>} of the
 * answer are out of reach: the skew is measured between {@code Date} and this machine's clock, and
 * left unsaid when there is no {@code Date} or it agrees with this machine's clock within a minute.
 */
final class ClockSkew {
  /** The codes the SDK, too, takes for a clock that is off; only the first is S3's own. */
  private static final Set<String> TIME_CODES =
      Set.of("RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture");

  /** How far off S3 lets a request's time be. */
  private static final Duration TOLERANCE = Duration.ofMinutes(15);

  private ClockSkew() {}

  /**
   * Why {@code e} happened, if this machine's clock is the cause: a code that names the request
   * time, or a 401/403 whose {@code Date} is further off {@code clock} than S3 allows. {@code
   * clock} is the one the SDK signs with (the system clock); {@code after} says how many attempts
   * were made (" after 3 attempts", or empty).
   */
  static Optional<String> refusal(S3Exception e, String after, Clock clock) {
    int status = e.statusCode();
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    Optional<Duration> skew = skew(e, clock);
    if (code != null && TIME_CODES.contains(code)) {
      return Optional.of(
          "the server refused the request time ("
              + status
              + " "
              + code
              + ")"
              + after
              + ": "
              + skew.map(ClockSkew::describe)
                  .orElse(
                      "this machine's clock or the server's is off by more than the server allows")
              + "; set the clock (NTP) and retry");
    }
    if ((status == 401 || status == 403)
        && skew.filter(s -> s.abs().compareTo(TOLERANCE) > 0).isPresent()) {
      // Some servers say only 403 (and a HEAD has no body to say more): the Date tells.
      return Optional.of(
          "access denied ("
              + status
              + (code == null ? "" : " " + code)
              + ")"
              + after
              + ", likely because "
              + describe(skew.get())
              + "; set the clock (NTP) and retry");
    }
    return Optional.empty();
  }

  /**
   * How far this machine's clock is ahead of the server's (negative: behind), by the answer's
   * {@code Date}; empty without one, or within a minute of {@code clock}.
   */
  static Optional<Duration> skew(S3Exception e, Clock clock) {
    if (e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null) {
      return Optional.empty();
    }
    Optional<String> date = e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Date");
    if (date.isEmpty()) {
      return Optional.empty();
    }
    Instant server;
    try {
      server =
          ZonedDateTime.parse(date.get().trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException unreadable) {
      return Optional.empty();
    }
    Duration skew = Duration.between(server, clock.instant());
    return skew.abs().compareTo(Duration.ofMinutes(1)) < 0 ? Optional.empty() : Optional.of(skew);
  }

  /** "this machine's clock is 20 minutes behind the server's". */
  static String describe(Duration skew) {
    return "this machine's clock is "
        + amount(skew.abs())
        + (skew.isNegative() ? " behind" : " ahead of")
        + " the server's";
  }

  /** Rounded to whole minutes, hours from two hours on, days from two days on. */
  static String amount(Duration duration) {
    long minutes = Math.round(duration.toMillis() / 60_000.0);
    if (minutes < 120) {
      return minutes + (minutes == 1 ? " minute" : " minutes");
    }
    long hours = Math.round(minutes / 60.0);
    if (hours < 48) {
      return hours + " hours";
    }
    return Math.round(hours / 24.0) + " days";
  }
}
