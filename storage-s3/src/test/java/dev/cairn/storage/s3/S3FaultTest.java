package dev.cairn.storage.s3;

import static java.time.ZoneOffset.UTC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.s3.SocketHttpServer.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkGlobalTime;

/**
 * Failures no real server produces on demand, from a fake S3 endpoint on plain sockets: throttling
 * storms, connections dropped in the middle of an upload, and a clock that is off the server's
 * (played by the server's clock being off this machine's: the SDK signs with the system clock).
 */
class S3FaultTest {
  private static final String SLOW_DOWN =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
          + "<Message>Please reduce your request rate.</Message></Error>";

  /** How far off a clock is in the clock tests: more than S3's 15 minutes. */
  private static final Duration SKEW = Duration.ofMinutes(20);

  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(UTC);

  private SocketHttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final AtomicInteger slowDowns = new AtomicInteger();
  private volatile Predicate<String> dropConnection = request -> false;

  /** How far the server's clock is ahead of this machine's. */
  private volatile Duration serverAhead = Duration.ZERO;

  /** Before a request that matches, the server's clock steps {@link #SKEW} ahead. */
  private volatile Predicate<String> clockStepsBefore = request -> false;

  /** Whether answers carry the server's time in Date: the SDK corrects its clock from it. */
  private volatile boolean sendsDate = true;

  @BeforeEach
  void startServer() throws IOException {
    server = new SocketHttpServer(this::handle);
  }

  @AfterEach
  void stopServer() throws IOException {
    server.close();
    // The SDK's clock correction outlives its client: a new client starts from the last one.
    SdkGlobalTime.setGlobalTimeOffset(0);
  }

  /**
   * Path-style S3, just enough of it: object PUT/GET/HEAD and the multipart calls, on a clock that
   * may be off this machine's. Like S3, it refuses a request whose {@code x-amz-date} is more than
   * 15 minutes off its own time with 403 RequestTimeTooSkewed (no body for a HEAD).
   */
  private Answer handle(SocketHttpServer.Request exchange) throws IOException {
    String method = exchange.method();
    String query = exchange.query();
    String key = exchange.path().replaceFirst("^/bucket/", "");
    String request = method + " " + key + (query.isEmpty() ? "" : "?" + query);
    requests.add(request);
    if (dropConnection.test(request)) {
      exchange.body().readNBytes(1000);
      return Answer.DROP;
    }
    if (clockStepsBefore.test(request)) {
      serverAhead = SKEW;
    }
    Instant serverTime = Instant.now().plus(serverAhead);
    Answer answer = answer(exchange, method, key, query, serverTime);
    if (!sendsDate) {
      return answer;
    }
    Map<String, String> headers = new LinkedHashMap<>(answer.headers());
    headers.put("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(serverTime.atOffset(UTC)));
    return new Answer(answer.status(), headers, answer.body());
  }

  private Answer answer(
      SocketHttpServer.Request exchange,
      String method,
      String key,
      String query,
      Instant serverTime)
      throws IOException {
    String signed = exchange.header("x-amz-date");
    Instant requestTime = AMZ_DATE.parse(signed, Instant::from);
    if (Duration.between(requestTime, serverTime).abs().compareTo(Duration.ofMinutes(15)) > 0) {
      return method.equals("HEAD")
          ? new Answer(403, Map.of(), new byte[0])
          : xml(
              403,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>RequestTimeTooSkewed</Code>"
                  + "<Message>The difference between the request time and the current time is too"
                  + " large.</Message><RequestTime>"
                  + signed
                  + "</RequestTime><ServerTime>"
                  + serverTime.truncatedTo(ChronoUnit.SECONDS)
                  + "</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>"
                  + "</Error>");
    }
    if (slowDowns.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
      return xml(503, SLOW_DOWN);
    }
    byte[] body = exchange.body().readAllBytes();
    switch (method) {
      case "GET" -> {
        byte[] object = objects.get(key);
        return object == null
            ? xml(404, "<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>")
            : new Answer(200, Map.of(), object);
      }
      case "HEAD" -> {
        byte[] object = objects.get(key);
        return object == null
            ? new Answer(404, Map.of(), new byte[0])
            : new Answer(200, Map.of("Content-Length", "" + object.length), new byte[0]);
      }
      case "PUT" -> {
        if (!query.contains("uploadId")) {
          objects.put(key, body);
        }
        return new Answer(200, Map.of("ETag", "\"etag-" + requests.size() + "\""), new byte[0]);
      }
      case "POST" -> {
        if (query.startsWith("uploads")) {
          return xml(
              200,
              "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>"
                  + key
                  + "</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>");
        }
        objects.put(key, new byte[0]);
        return xml(
            200,
            "<CompleteMultipartUploadResult><Key>"
                + key
                + "</Key></CompleteMultipartUploadResult>");
      }
      case "DELETE" -> {
        return new Answer(204, Map.of(), new byte[0]);
      }
      default -> {
        return new Answer(405, Map.of(), new byte[0]);
      }
    }
  }

  private static Answer xml(int status, String xml) {
    return new Answer(
        status, Map.of("Content-Type", "application/xml"), xml.getBytes(StandardCharsets.UTF_8));
  }

  /** A store on a new client whose clock the SDK has not corrected yet. */
  private S3BlobStore store(S3Tuning tuning) throws IOException {
    SdkGlobalTime.setGlobalTimeOffset(0);
    S3Location location =
        S3Location.parse("s3://127.0.0.1:" + server.port() + "/bucket", Optional.empty());
    Map<String, String> environment =
        Map.of("AWS_ACCESS_KEY_ID", "fake-access", "AWS_SECRET_ACCESS_KEY", "fake-secret");
    return S3BlobStore.onClient(
        S3BlobStore.newClient(location, environment, tuning),
        location,
        tuning,
        S3BlobStore.CreateGuarantee.IF_NONE_MATCH);
  }

  private static S3Tuning fastRetries(int attempts) {
    return S3Tuning.DEFAULTS
        .withRetries(attempts, Duration.ofMillis(1), Duration.ofMillis(20))
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  @Test
  void aShortSlowDownStormIsRetriedAndTheCreateSucceeds() throws IOException {
    slowDowns.set(3);
    try (S3BlobStore store = store(fastRetries(5))) {
      store.create("index/0001", new byte[] {1, 2, 3});
    }

    assertThat(requests)
        .containsExactly("PUT index/0001", "PUT index/0001", "PUT index/0001", "PUT index/0001");
    assertThat(objects.get("index/0001")).containsExactly(1, 2, 3);
  }

  @Test
  void aSlowDownStormLongerThanTheAttemptsFailsWithAClearMessage() throws IOException {
    slowDowns.set(Integer.MAX_VALUE);
    try (S3BlobStore store = store(fastRetries(4))) {
      assertThatThrownBy(() -> store.create("index/0002", new byte[] {1}))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(ObjectExistsException.class)
          .hasMessage(
              "Cannot create object index/0002 in "
                  + store.location()
                  + ": the server is overloaded (503 SlowDown) and still was after 4 attempts,"
                  + " giving up");
    }
    assertThat(requests).hasSize(4);
    assertThat(objects).isEmpty();
  }

  @Test
  void aConnectionDroppedInTheMiddleOfAPartAbortsTheUploadAndLeavesNoObject() throws IOException {
    dropConnection = request -> request.startsWith("PUT packs/p?partNumber=3&");
    S3Tuning parts = fastRetries(3).withMultipart(1024 * 1024, 1024 * 1024, 2);
    try (S3BlobStore store = store(parts)) {
      assertThatThrownBy(() -> store.create("packs/p", new byte[4 * 1024 * 1024 + 1]))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(
              "Cannot create object packs/p in " + store.location() + ": part 3 failed");

      assertThat(store.stat("packs/p")).isEmpty();
    }
    assertThat(requests).contains("DELETE packs/p?uploadId=upload-1");
    assertThat(requests).noneMatch(r -> r.startsWith("POST packs/p?uploadId"));
    assertThat(requests.stream().filter(r -> r.startsWith("PUT packs/p?partNumber=3&"))).hasSize(3);
    assertThat(objects).isEmpty();
  }

  @Test
  void aConnectionDroppedInTheMiddleOfAPutFailsAfterTheRetriesAndLeavesNoObject()
      throws IOException {
    dropConnection = request -> request.startsWith("PUT ");
    try (S3BlobStore store = store(fastRetries(2))) {
      assertThatThrownBy(() -> store.create("index/0003", new byte[200_000]))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("Cannot create object index/0003 in " + store.location() + ": ")
          .message()
          .doesNotContain("\n")
          .doesNotContain("fake-secret");
    }
    assertThat(objects).isEmpty();
    assertThat(requests).hasSize(2);
  }

  // ---- a clock that is off ----------------------------------------------------------------------

  @Test
  void aClockTwentyMinutesOffIsCorrectedByTheSdkFromTheServersDateAndTheCreateSucceeds()
      throws IOException {
    serverAhead = SKEW;
    try (S3BlobStore store = store(fastRetries(3))) {
      store.create("index/0004", new byte[] {4});
      // The SDK keeps the correction: later requests pass at their first attempt.
      assertThat(store.read("index/0004")).containsExactly(4);
      assertThat(store.stat("index/0004")).isPresent();
    }

    assertThat(requests)
        .containsExactly("PUT index/0004", "PUT index/0004", "GET index/0004", "HEAD index/0004");
    assertThat(objects.get("index/0004")).containsExactly(4);
  }

  @Test
  void aRefusedHeadWithoutAnErrorCodeIsCorrectedFromTheDateToo() throws IOException {
    serverAhead = SKEW;
    try (S3BlobStore store = store(fastRetries(3))) {
      assertThat(store.stat("index/0005")).isEmpty();
    }

    assertThat(requests).containsExactly("HEAD index/0005", "HEAD index/0005");
  }

  @Test
  void aClockTheSdkCannotCorrectFailsTheCreateAfterItsAttemptsAndLeavesNoObject()
      throws IOException {
    serverAhead = SKEW;
    sendsDate = false; // as behind a proxy that drops it: nothing to correct the clock from
    try (S3BlobStore store = store(fastRetries(3))) {
      assertThatThrownBy(() -> store.create("index/0006", new byte[] {6}))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage(
              "Cannot create object index/0006 in "
                  + store.location()
                  + ": the server refused the request time (403 RequestTimeTooSkewed) after 3"
                  + " attempts: this machine's clock or the server's is off by more than the"
                  + " server allows; set the clock (NTP) and retry");
    }

    assertThat(requests).containsExactly("PUT index/0006", "PUT index/0006", "PUT index/0006");
    assertThat(objects).isEmpty();
  }

  @Test
  void aClockTheSdkCannotCorrectFailsTheReadAfterItsAttempts() throws IOException {
    objects.put("index/0007", new byte[] {7});
    serverAhead = SKEW;
    sendsDate = false;
    try (S3BlobStore store = store(fastRetries(3))) {
      assertThatThrownBy(() -> store.read("index/0007"))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage(
              "Cannot read object index/0007 in "
                  + store.location()
                  + ": the server refused the request time (403 RequestTimeTooSkewed) after 3"
                  + " attempts: this machine's clock or the server's is off by more than the"
                  + " server allows; set the clock (NTP) and retry");
    }

    assertThat(requests).containsExactly("GET index/0007", "GET index/0007", "GET index/0007");
    assertThat(objects.get("index/0007")).containsExactly(7);
  }

  @Test
  void withoutRetriesTheErrorSaysHowFarAndWhichWayTheClockIsOff() throws IOException {
    serverAhead = SKEW;
    try (S3BlobStore store = store(fastRetries(1))) {
      assertThatThrownBy(() -> store.create("index/0008", new byte[] {8}))
          .hasMessage(
              "Cannot create object index/0008 in "
                  + store.location()
                  + ": the server refused the request time (403 RequestTimeTooSkewed): this"
                  + " machine's clock is 20 minutes behind the server's; set the clock (NTP) and"
                  + " retry");
      // The SDK corrected its clock all the same: the next request passes.
      store.create("index/0008", new byte[] {8});
    }
    try (S3BlobStore store = store(fastRetries(1))) {
      // A HEAD's answer has no body, so no code: the Date shows why access was denied.
      assertThatThrownBy(() -> store.stat("index/0008"))
          .hasMessage(
              "Cannot stat object index/0008 in "
                  + store.location()
                  + ": access denied (403), likely because this machine's clock is 20 minutes"
                  + " behind the server's; set the clock (NTP) and retry");
    }
    serverAhead = SKEW.negated();
    try (S3BlobStore store = store(fastRetries(1))) {
      assertThatThrownBy(() -> store.read("index/0008"))
          .hasMessage(
              "Cannot read object index/0008 in "
                  + store.location()
                  + ": the server refused the request time (403 RequestTimeTooSkewed): this"
                  + " machine's clock is 20 minutes ahead of the server's; set the clock (NTP) and"
                  + " retry");
    }

    assertThat(requests)
        .containsExactly("PUT index/0008", "PUT index/0008", "HEAD index/0008", "GET index/0008");
    assertThat(objects.get("index/0008")).containsExactly(8);
  }

  @Test
  void openingARepositoryWithTheClockOffSaysSoRatherThanBlamingTheCredentials() {
    serverAhead = SKEW;
    SdkGlobalTime.setGlobalTimeOffset(0);
    S3Location location =
        S3Location.parse("s3://127.0.0.1:" + server.port() + "/bucket", Optional.empty());
    Map<String, String> environment =
        Map.of("AWS_ACCESS_KEY_ID", "fake-access", "AWS_SECRET_ACCESS_KEY", "fake-secret");

    assertThatThrownBy(() -> S3BlobStore.open(location, environment, fastRetries(1), false))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage(
            "Cannot open repository "
                + location
                + ": access denied (403), likely because this machine's clock is 20 minutes"
                + " behind the server's; set the clock (NTP) and retry");
  }

  @Test
  void aClockThatStepsBeforeTheLastRequestOfAMultipartUploadLeavesNoObject() throws IOException {
    clockStepsBefore = request -> request.startsWith("POST packs/q?uploadId");
    sendsDate = false;
    S3Tuning parts = fastRetries(2).withMultipart(1024 * 1024, 1024 * 1024, 2);
    try (S3BlobStore store = store(parts)) {
      assertThatThrownBy(() -> store.create("packs/q", new byte[3 * 1024 * 1024]))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage(
              "Cannot create object packs/q in "
                  + store.location()
                  + ": the server refused the request time (403 RequestTimeTooSkewed) after 2"
                  + " attempts: this machine's clock or the server's is off by more than the"
                  + " server allows; set the clock (NTP) and retry")
          .satisfies(
              e ->
                  assertThat(e.getSuppressed())
                      .singleElement()
                      .satisfies(
                          abort ->
                              assertThat(abort)
                                  .hasMessageStartingWith(
                                      "Cannot abort the upload of object packs/q in "
                                          + store.location()
                                          + " (upload upload-1, a lifecycle rule for incomplete"
                                          + " uploads removes it): the server refused the request"
                                          + " time")));
    }

    assertThat(requests).hasSize(9);
    assertThat(requests.subList(0, 2)).containsExactly("HEAD packs/q", "POST packs/q?uploads");
    // Two parts go up at once, so their order varies.
    assertThat(requests.subList(2, 5))
        .containsExactlyInAnyOrder(
            "PUT packs/q?partNumber=1&uploadId=upload-1",
            "PUT packs/q?partNumber=2&uploadId=upload-1",
            "PUT packs/q?partNumber=3&uploadId=upload-1");
    assertThat(requests.subList(5, 9))
        .containsExactly(
            "POST packs/q?uploadId=upload-1",
            "POST packs/q?uploadId=upload-1",
            "DELETE packs/q?uploadId=upload-1",
            "DELETE packs/q?uploadId=upload-1");
    assertThat(objects).isEmpty();
  }
}
