package dev.cairn.storage.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpResponse;
import com.azure.storage.blob.models.BlobStorageException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises an authentication failure caused by time, and says which time. With a shared key the
 * service refuses a request whose date ({@code x-ms-date}, else {@code Date}, stamped by the SDK
 * from this machine's clock) is more than 15 minutes off its own, with 403 AuthenticationFailed
 * ("Request date header too old: ..."); a SAS is refused outside its start and expiry by the
 * service's clock. The SDK neither corrects its clock nor retries a 403, so the failure is final
 * after one request.
 *
 * <p>The skew is measured between the request's date and the {@code Date} of the answer, both taken
 * from the one exchange, so it needs no clock of its own.
 */
final class ClockSkew {
  /** How far off the service lets a request's date be. */
  private static final Duration TOLERANCE = Duration.ofMinutes(15);

  private static final Pattern DETAIL =
      Pattern.compile(
          "<AuthenticationErrorDetail>(.*?)</AuthenticationErrorDetail>", Pattern.DOTALL);
  private static final Pattern DATE_REFUSED =
      Pattern.compile("(?i)request date header.*(too old|future)");
  private static final Pattern SAS_WINDOW =
      Pattern.compile(
          "Signature not valid in the specified time frame: Start \\[([^\\]]*)\\] - Expiry"
              + " \\[([^\\]]*)\\] - Current \\[([^\\]]*)\\]");

  private ClockSkew() {}

  /**
   * Why a 401 or 403 happened, if a time is the cause: this machine's clock off the service's by
   * more than it allows (or a refused request date, whatever the measure), or a SAS outside its
   * validity. Empty otherwise.
   */
  static Optional<String> cause(BlobStorageException e) {
    String detail = detail(e);
    Optional<Duration> skew = skew(e.getResponse());
    boolean dateRefused = DATE_REFUSED.matcher(detail).find();
    if (dateRefused || skew.filter(s -> s.abs().compareTo(TOLERANCE) > 0).isPresent()) {
      return Optional.of(
          skew.map(ClockSkew::describe)
                  .orElse("the service says the request's date is too far from its own time")
              + "; set the clock (NTP) and retry");
    }
    Matcher sas = SAS_WINDOW.matcher(detail);
    if (sas.find()) {
      Optional<Instant> start = parse(sas.group(1));
      Optional<Instant> expiry = parse(sas.group(2));
      Optional<Instant> now = parse(sas.group(3));
      if (now.isPresent() && expiry.isPresent() && now.get().isAfter(expiry.get())) {
        return Optional.of(
            "the SAS token expired at "
                + expiry.get()
                + " (the service's time is "
                + now.get()
                + ")");
      }
      if (now.isPresent() && start.isPresent() && now.get().isBefore(start.get())) {
        return Optional.of(
            "the SAS token is not valid before "
                + start.get()
                + " (the service's time is "
                + now.get()
                + "); the clock of the machine that made it may be ahead");
      }
      return Optional.of("the SAS token is not valid at this time");
    }
    return Optional.empty();
  }

  /**
   * How far the request's date is ahead of the answer's {@code Date} (negative: behind); empty if
   * either is missing or they agree within a minute.
   */
  static Optional<Duration> skew(HttpResponse response) {
    if (response == null || response.getRequest() == null) {
      return Optional.empty();
    }
    HttpHeaders sent = response.getRequest().getHeaders();
    String requestDate = sent.getValue(HttpHeaderName.X_MS_DATE);
    if (requestDate == null) {
      requestDate = sent.getValue(HttpHeaderName.DATE);
    }
    Optional<Instant> request = parse(requestDate);
    Optional<Instant> service = parse(response.getHeaderValue(HttpHeaderName.DATE));
    if (request.isEmpty() || service.isEmpty()) {
      return Optional.empty();
    }
    Duration skew = Duration.between(service.get(), request.get());
    return skew.abs().compareTo(Duration.ofMinutes(1)) < 0 ? Optional.empty() : Optional.of(skew);
  }

  /** "this machine's clock is 20 minutes behind the service's". */
  static String describe(Duration skew) {
    return "this machine's clock is "
        + amount(skew.abs())
        + (skew.isNegative() ? " behind" : " ahead of")
        + " the service's";
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

  /** The service's AuthenticationErrorDetail, which the SDK leaves in the exception's message. */
  private static String detail(BlobStorageException e) {
    String message = e.getMessage();
    if (message == null) {
      return "";
    }
    Matcher matcher = DETAIL.matcher(message);
    return matcher.find() ? matcher.group(1) : "";
  }

  private static Optional<Instant> parse(String httpDate) {
    if (httpDate == null || httpDate.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          ZonedDateTime.parse(httpDate.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException unreadable) {
      return Optional.empty();
    }
  }
}
