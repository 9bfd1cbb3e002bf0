package dev.cairn.storage.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import reactor.core.publisher.Mono;

/**
 * Makes the storage SDK's retry policy wait at least as long as the service asks. The SDK's {@code
 * RequestRetryPolicy} retries 429, 500 and 503 with exponential backoff but ignores {@code
 * Retry-After}; this policy runs once per try, after it, and holds back a retryable answer that
 * carries {@code x-ms-retry-after-ms}, {@code retry-after-ms} or {@code Retry-After} (seconds or a
 * date) for that long, at most {@code maxDelay}, unless it is the last try. The SDK's own backoff
 * then comes on top.
 */
final class RetryAfterPolicy implements HttpPipelinePolicy {
  private static final String TRY_NUMBER = "requestRetryCount"; // set by RequestRetryPolicy
  private static final HttpHeaderName X_MS_RETRY_AFTER_MS =
      HttpHeaderName.fromString("x-ms-retry-after-ms");
  private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");

  private final int maxTries;
  private final Duration maxDelay;

  RetryAfterPolicy(int maxTries, Duration maxDelay) {
    this.maxTries = maxTries;
    this.maxDelay = maxDelay;
  }

  @Override
  public HttpPipelinePosition getPipelinePosition() {
    return HttpPipelinePosition.PER_RETRY;
  }

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    return next.process()
        .flatMap(
            response -> {
              Duration delay = delay(context, response);
              return delay.isZero() ? Mono.just(response) : Mono.delay(delay).thenReturn(response);
            });
  }

  @Override
  public HttpResponse processSync(
      HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    HttpResponse response = next.processSync();
    Duration delay = delay(context, response);
    if (!delay.isZero()) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return response;
  }

  private Duration delay(HttpPipelineCallContext context, HttpResponse response) {
    int status = response.getStatusCode();
    if (status != 429 && status != 500 && status != 503) {
      return Duration.ZERO;
    }
    int tryNumber = context.getData(TRY_NUMBER).map(n -> n instanceof Integer i ? i : 1).orElse(1);
    if (tryNumber >= maxTries) {
      return Duration.ZERO;
    }
    Duration asked = asked(response);
    return asked.compareTo(maxDelay) > 0 ? maxDelay : asked;
  }

  /** The wait the answer asks for, zero if none or unreadable. */
  static Duration asked(HttpResponse response) {
    for (HttpHeaderName name : new HttpHeaderName[] {X_MS_RETRY_AFTER_MS, RETRY_AFTER_MS}) {
      String millis = response.getHeaderValue(name);
      if (millis != null) {
        try {
          return Duration.ofMillis(Math.max(0, Long.parseLong(millis.trim())));
        } catch (NumberFormatException e) {
          // fall through to the next header
        }
      }
    }
    String retryAfter = response.getHeaderValue(HttpHeaderName.RETRY_AFTER);
    if (retryAfter == null || retryAfter.isBlank()) {
      return Duration.ZERO;
    }
    String value = retryAfter.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
    } catch (NumberFormatException e) {
      try {
        Instant until =
            ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(Instant.now(), until);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException unreadable) {
        return Duration.ZERO;
      }
    }
  }
}
