package dev.cairn.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.BlobStoreProvider;
import dev.cairn.storage.NoSuchObjectException;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.ObjectLockedException;
import dev.cairn.storage.RetentionMode;
import dev.cairn.storage.azure.FakeBlobService.Answer;
import dev.cairn.storage.azure.FakeBlobService.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What Cairn sends and how it takes the service's answers, proven against a local fake that records
 * requests and answers like Azure: throttling with Retry-After, lost answers, timeouts, and the
 * immutability features Azurite does not implement.
 */
class AzureBlobStoreFakeServiceTest {
  private static final String KEY = randomKey(7);

  /** How far off a clock is in the clock tests: more than the service's 15 minutes. */
  private static final Duration SKEW = Duration.ofMinutes(20);

  private static final AzureSettings QUICK =
      AzureSettings.DEFAULT
          .withRetries(3, Duration.ofMillis(10), Duration.ofSeconds(2))
          .withTryTimeout(Duration.ofSeconds(5));

  private FakeBlobService service;

  @AfterEach
  void stop() throws IOException {
    if (service != null) {
      service.close();
    }
  }

  // ---- retries --------------------------------------------------------------------------------

  @Test
  void throttlingIsRetriedNoSoonerThanRetryAfterAsksAndThenSucceeds() throws IOException {
    AtomicInteger puts = new AtomicInteger();
    AzureBlobStore store =
        open(
            request ->
                switch (puts.incrementAndGet()) {
                  case 1 -> Answer.error(429, "TooManyRequests", "Retry-After", "1");
                  case 2 -> Answer.error(503, "ServerBusy", "x-ms-retry-after-ms", "300");
                  default -> Answer.created();
                },
            QUICK.withRetries(5, Duration.ofMillis(10), Duration.ofSeconds(5)));

    store.create("pack", new byte[] {1, 2, 3});

    List<Request> requests = service.requests();
    assertThat(requests).hasSize(3).allSatisfy(r -> assertThat(r.method()).isEqualTo("PUT"));
    assertThat(requests).allSatisfy(r -> assertThat(r.body()).containsExactly(1, 2, 3));
    // Lower bounds only: the client must not come back before the service said it may.
    assertThat(Duration.between(requests.get(0).received(), requests.get(1).received()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(Duration.between(requests.get(1).received(), requests.get(2).received()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void aServiceThatStaysUnavailableFailsAfterTheLastTryWithAClearMessage() throws IOException {
    AzureBlobStore store = open(request -> Answer.error(503, "ServerBusy"), QUICK);

    assertThatThrownBy(() -> store.create("pack", new byte[] {1}))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage(
            "Cannot create object pack in azure://fakeaccount/vault: the service is busy or failing"
                + " (HTTP 503 ServerBusy) after 3 tries");
    assertThat(service.requests()).hasSize(3);
  }

  @Test
  void aServerErrorIsRetriedAndAClientErrorIsNot() throws IOException {
    AtomicInteger reads = new AtomicInteger();
    AzureBlobStore store =
        open(
            request ->
                request.method().equals("GET") && reads.incrementAndGet() == 1
                    ? Answer.error(500, "InternalError")
                    : Answer.error(400, "InvalidHeaderValue"),
            QUICK);

    assertThatThrownBy(() -> store.read("pack"))
        .hasMessage(
            "Cannot read object pack in azure://fakeaccount/vault: the service refused (HTTP 400"
                + " InvalidHeaderValue)");
    assertThat(service.requests()).hasSize(2);
  }

  @Test
  void aTryThatGetsNoAnswerInTimeIsAbandonedAndRetried() throws IOException {
    AtomicInteger puts = new AtomicInteger();
    AzureBlobStore store =
        open(
            request -> {
              if (puts.incrementAndGet() == 1) {
                sleep(Duration.ofSeconds(3)); // longer than the try timeout
                return Answer.DROP;
              }
              return Answer.created();
            },
            QUICK.withTryTimeout(Duration.ofSeconds(1)));

    store.create("pack", new byte[] {1});

    assertThat(service.requests()).hasSize(2);
  }

  @Test
  void aCreateWhoseAnswerWasLostRecognisesItsOwnObjectOnTheRetry() throws IOException {
    AtomicReference<String> firstUploadId = new AtomicReference<>();
    AzureBlobStore store =
        open(
            request -> {
              if (request.method().equals("PUT") && firstUploadId.get() == null) {
                firstUploadId.set(request.header("x-ms-meta-" + AzureBlobStore.UPLOAD_ID));
                return Answer.DROP; // written, but the answer never arrives
              }
              if (request.method().equals("PUT")) {
                return Answer.error(409, "BlobAlreadyExists");
              }
              return blobProperties(3, firstUploadId.get());
            },
            QUICK);

    store.create("pack", new byte[] {1, 2, 3});

    List<Request> requests = service.requests();
    assertThat(requests).extracting(Request::method).containsExactly("PUT", "PUT", "HEAD");
    assertThat(requests.get(1).header("x-ms-meta-" + AzureBlobStore.UPLOAD_ID))
        .isEqualTo(firstUploadId.get());
  }

  @Test
  void aConflictWithSomeoneElsesObjectIsObjectExists() throws IOException {
    AzureBlobStore store =
        open(
            request ->
                request.method().equals("PUT")
                    ? Answer.error(409, "BlobAlreadyExists")
                    : blobProperties(3, "someone-else"),
            QUICK);

    assertThatThrownBy(() -> store.create("pack", new byte[] {1}))
        .isInstanceOf(ObjectExistsException.class)
        .hasMessage("Cannot create object pack in azure://fakeaccount/vault: it already exists");
    assertThat(service.requests().getFirst().header("If-None-Match")).isEqualTo("*");
  }

  // ---- immutability ---------------------------------------------------------------------------

  @Test
  void createImmutableSendsTheRetentionAndLegalHoldHeadersWithTheConditionalPut()
      throws IOException {
    AzureBlobStore store = open(immutableBlobs(), QUICK);
    Instant until = Instant.parse("2100-01-01T00:00:00.750Z");

    store.createImmutable(
        "index/0001", new byte[] {9}, new Retention(until, Retention.Mode.LOCKED), true);

    assertThat(service.requests()).extracting(Request::method).containsExactly("PUT", "HEAD");
    Request put = service.requests().getFirst();
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.path()).isEqualTo("/vault/index/0001");
    assertThat(put.header("If-None-Match")).isEqualTo("*");
    assertThat(put.header("x-ms-blob-type")).isEqualTo("BlockBlob");
    assertThat(put.header("x-ms-immutability-policy-until-date"))
        .isEqualTo("Fri, 01 Jan 2100 00:00:00 GMT");
    assertThat(put.header("x-ms-immutability-policy-mode")).isEqualToIgnoringCase("Locked");
    assertThat(put.header("x-ms-legal-hold")).isEqualTo("true");
  }

  @Test
  void aLargeImmutableObjectCarriesItsProtectionOnTheBlockListThatPublishesIt() throws IOException {
    AzureBlobStore store = open(immutableBlobs(), QUICK.withUploads(64 * 1024, 64 * 1024, 2));
    byte[] content = randomBytes(200 * 1024, 3);
    Instant until = Instant.parse("2031-06-30T12:00:00Z");

    store.createImmutable("pack", content, new Retention(until, Retention.Mode.UNLOCKED), false);

    List<Request> requests = service.requests();
    List<Request> blocks =
        requests.stream().filter(r -> r.query().contains("comp=block&")).toList();
    List<Request> commits =
        requests.stream().filter(r -> r.query().contains("comp=blocklist")).toList();
    assertThat(blocks).hasSize(4);
    assertThat(blocks)
        .allSatisfy(b -> assertThat(b.header("x-ms-immutability-policy-mode")).isNull());
    assertThat(blocks.stream().mapToInt(b -> b.body().length).sum()).isEqualTo(content.length);
    assertThat(commits).hasSize(1);
    Request commit = commits.getFirst();
    assertThat(commit.header("If-None-Match")).isEqualTo("*");
    assertThat(commit.header("x-ms-immutability-policy-until-date"))
        .isEqualTo("Mon, 30 Jun 2031 12:00:00 GMT");
    assertThat(commit.header("x-ms-immutability-policy-mode")).isEqualToIgnoringCase("Unlocked");
    assertThat(commit.header("x-ms-legal-hold")).isNull();
  }

  @Test
  void extendingRetentionAndSettingTheLegalHoldSendTheirOwnRequests() throws IOException {
    Instant until = Instant.parse("2040-02-29T08:30:00Z");
    AzureBlobStore store =
        open(
            request ->
                request.query().contains("comp=legalhold")
                    ? Answer.of(200, "x-ms-legal-hold", request.header("x-ms-legal-hold"))
                    : Answer.of(
                        200,
                        "x-ms-immutability-policy-until-date",
                        request.header("x-ms-immutability-policy-until-date"),
                        "x-ms-immutability-policy-mode",
                        request.header("x-ms-immutability-policy-mode")),
            QUICK);

    store.extendRetention("pack", new Retention(until, Retention.Mode.LOCKED));
    store.setLegalHold("pack", true);
    store.setLegalHold("pack", false);

    List<Request> requests = service.requests();
    assertThat(requests).extracting(Request::method).containsOnly("PUT");
    assertThat(requests.get(0).query()).contains("comp=immutabilityPolicies");
    assertThat(requests.get(0).header("x-ms-immutability-policy-until-date"))
        .isEqualTo("Wed, 29 Feb 2040 08:30:00 GMT");
    assertThat(requests.get(0).header("x-ms-immutability-policy-mode"))
        .isEqualToIgnoringCase("Locked");
    assertThat(requests.get(1).query()).contains("comp=legalhold");
    assertThat(requests.get(1).header("x-ms-legal-hold")).isEqualTo("true");
    assertThat(requests.get(2).header("x-ms-legal-hold")).isEqualTo("false");
  }

  @Test
  void theNeutralRetentionMapsComplianceToALockedPolicyAndGovernanceToAnUnlockedOne()
      throws IOException {
    AzureBlobStore store = open(immutableBlobs(), QUICK);
    Instant until = Instant.parse("2100-01-01T00:00:00Z");

    store.createRetained(
        "points/p",
        new byte[] {9},
        new dev.cairn.storage.Retention(RetentionMode.COMPLIANCE, until));
    store.createRetained(
        "points/q",
        new byte[] {9},
        new dev.cairn.storage.Retention(RetentionMode.GOVERNANCE, until));

    List<Request> puts = service.requests().stream().filter(r -> r.method().equals("PUT")).toList();
    assertThat(puts).hasSize(2);
    assertThat(puts.get(0).header("x-ms-immutability-policy-mode")).isEqualToIgnoringCase("Locked");
    assertThat(puts.get(1).header("x-ms-immutability-policy-mode"))
        .isEqualToIgnoringCase("Unlocked");
    assertThat(puts).allSatisfy(p -> assertThat(p.header("x-ms-legal-hold")).isNull());
    assertThat(store.retention("points/q"))
        .contains(new dev.cairn.storage.Retention(RetentionMode.GOVERNANCE, until));
  }

  @Test
  void extendingToAnEarlierDateSendsNoChangeAndALaterOneKeepsTheLockedMode() throws IOException {
    AzureBlobStore store =
        open(
            request ->
                request.method().equals("HEAD")
                    ? Answer.of(
                        200,
                        "Content-Length",
                        "1",
                        "x-ms-blob-type",
                        "BlockBlob",
                        "ETag",
                        "\"0x1\"",
                        "x-ms-immutability-policy-until-date",
                        "Sat, 01 Jan 2050 00:00:00 GMT",
                        "x-ms-immutability-policy-mode",
                        "locked")
                    : Answer.of(200),
            QUICK);

    store.extendRetention(
        "pack",
        new dev.cairn.storage.Retention(
            RetentionMode.GOVERNANCE, Instant.parse("2049-01-01T00:00:00Z")));
    assertThat(service.requests()).extracting(Request::method).containsExactly("HEAD");

    store.extendRetention(
        "pack",
        new dev.cairn.storage.Retention(
            RetentionMode.GOVERNANCE, Instant.parse("2051-01-01T00:00:00Z")));
    Request put = service.requests().getLast();
    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.query()).contains("comp=immutabilityPolicies");
    assertThat(put.header("x-ms-immutability-policy-mode")).isEqualToIgnoringCase("Locked");
    assertThat(put.header("x-ms-immutability-policy-until-date"))
        .isEqualTo("Sun, 01 Jan 2051 00:00:00 GMT");
  }

  @Test
  void deletingAProtectedObjectFailsWithObjectLockedAndNamesTheReason() throws IOException {
    AtomicInteger deletes = new AtomicInteger();
    AzureBlobStore store =
        open(
            request ->
                deletes.incrementAndGet() == 1
                    ? Answer.error(409, "BlobImmutableDueToPolicy")
                    : Answer.error(409, "BlobImmutableDueToLegalHold"),
            QUICK);

    assertThatThrownBy(() -> store.delete("data/ab/abcd"))
        .isInstanceOf(ObjectLockedException.class)
        .hasMessage(
            "Cannot delete object data/ab/abcd in azure://fakeaccount/vault: protected by a retention"
                + " policy (HTTP 409 BlobImmutableDueToPolicy)");
    assertThatThrownBy(() -> store.delete("data/ab/abcd"))
        .isInstanceOf(ObjectLockedException.class)
        .hasMessageEndingWith("protected by a legal hold (HTTP 409 BlobImmutableDueToLegalHold)");
    assertThat(service.requests())
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.method()).isEqualTo("DELETE"));
  }

  @Test
  void shorteningALockedRetentionIsRefusedAsLocked() throws IOException {
    AzureBlobStore store =
        open(request -> Answer.error(409, "ImmutabilityPolicyCannotBeShortened"), QUICK);

    assertThatThrownBy(
            () ->
                store.extendRetention(
                    "pack",
                    new Retention(Instant.parse("2030-01-01T00:00:00Z"), Retention.Mode.LOCKED)))
        .isInstanceOf(ObjectLockedException.class)
        .hasMessageContaining("pack")
        .hasMessageContaining("HTTP 409");
  }

  @Test
  void protectionReadsTheRetentionAndLegalHoldFromTheProperties() throws IOException {
    AzureBlobStore store =
        open(
            request ->
                Answer.of(
                    200,
                    "Content-Length",
                    "5",
                    "x-ms-blob-type",
                    "BlockBlob",
                    "ETag",
                    "\"0x1\"",
                    "Last-Modified",
                    FakeBlobService.httpDate(Instant.now()),
                    "x-ms-immutability-policy-until-date",
                    "Sat, 01 Jan 2050 00:00:00 GMT",
                    "x-ms-immutability-policy-mode",
                    "locked",
                    "x-ms-legal-hold",
                    "true"),
            QUICK);

    assertThat(store.protection("pack"))
        .isEqualTo(
            new ObjectProtection(
                Optional.of(
                    new Retention(Instant.parse("2050-01-01T00:00:00Z"), Retention.Mode.LOCKED)),
                true));
  }

  @Test
  void aServiceWithoutImmutabilitySaysSoAndNamesTheObject() throws IOException {
    AzureBlobStore store = open(request -> Answer.error(501, "NotImplemented"), QUICK);

    assertThatThrownBy(
            () ->
                store.createImmutable(
                    "pack",
                    new byte[1],
                    new Retention(Instant.parse("2050-01-01T00:00:00Z"), Retention.Mode.UNLOCKED),
                    false))
        .hasMessage(
            "Cannot create immutable object pack in azure://fakeaccount/vault: not supported by the"
                + " service (HTTP 501 NotImplemented)");
  }

  @Test
  void noErrorCarriesTheAccountKeyEvenInItsCauses() throws IOException {
    AzureBlobStore store = open(request -> Answer.error(403, "AuthenticationFailed"), QUICK);

    IOException failure = null;
    try {
      store.read("pack");
    } catch (IOException e) {
      failure = e;
    }

    assertThat(failure)
        .hasMessage(
            "Cannot read object pack in azure://fakeaccount/vault: authentication failed for account"
                + " fakeaccount (HTTP 403 AuthenticationFailed)");
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).doesNotContain(KEY).doesNotContain("SharedKey");
  }

  // ---- a clock that is off --------------------------------------------------------------------

  @Test
  void aReadWithTheClockTwentyMinutesBehindFailsAtOnceAndSaysHowFarOff() throws IOException {
    ClockedService clocked = new ClockedService();
    clocked.ahead = SKEW;
    AzureBlobStore store = open(clocked::answer, QUICK);

    assertThatThrownBy(() -> store.read("pack"))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage(
            "Cannot read object pack in azure://fakeaccount/vault: authentication failed for account"
                + " fakeaccount (HTTP 403 AuthenticationFailed): this machine's clock is 20 minutes"
                + " behind the service's; set the clock (NTP) and retry");
    // The SDK neither corrects its clock nor retries a 403: one request, however many tries.
    assertThat(service.requests()).hasSize(1);
  }

  @Test
  void aCreateWithTheClockTwentyMinutesAheadFailsAtOnceAndWritesNothing() throws IOException {
    ClockedService clocked = new ClockedService();
    clocked.ahead = SKEW.negated();
    AzureBlobStore store = open(clocked::answer, QUICK);

    assertThatThrownBy(() -> store.create("index/0001", new byte[] {1}))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage(
            "Cannot create object index/0001 in azure://fakeaccount/vault: authentication failed"
                + " for account fakeaccount (HTTP 403 AuthenticationFailed): this machine's clock is"
                + " 20 minutes ahead of the service's; set the clock (NTP) and retry");

    assertThat(service.requests()).extracting(Request::method).containsExactly("PUT");
    assertThat(clocked.blobs).isEmpty();
  }

  @Test
  void aRefusedStatHasNoBodyAndStillSaysHowFarOffTheClockIs() throws IOException {
    ClockedService clocked = new ClockedService();
    clocked.ahead = SKEW;
    AzureBlobStore store = open(clocked::answer, QUICK);

    assertThatThrownBy(() -> store.stat("pack"))
        .hasMessage(
            "Cannot stat object pack in azure://fakeaccount/vault: authentication failed for account"
                + " fakeaccount (HTTP 403 AuthenticationFailed): this machine's clock is 20 minutes"
                + " behind the service's; set the clock (NTP) and retry");
    assertThat(service.requests()).extracting(Request::method).containsExactly("HEAD");
  }

  @Test
  void aClockThatStepsBeforeTheBlockListIsCommittedLeavesNoObject() throws IOException {
    ClockedService clocked = new ClockedService();
    clocked.stepsBeforeCommit = true;
    AzureBlobStore store = open(clocked::answer, QUICK.withUploads(64 * 1024, 64 * 1024, 2));
    byte[] content = randomBytes(200 * 1024, 5);

    assertThatThrownBy(() -> store.create("pack", content))
        .hasMessage(
            "Cannot create object pack in azure://fakeaccount/vault: authentication failed for"
                + " account fakeaccount (HTTP 403 AuthenticationFailed): this machine's clock is 20"
                + " minutes behind the service's; set the clock (NTP) and retry");
    List<Request> requests = service.requests();
    assertThat(requests.stream().filter(r -> r.query().contains("comp=block&"))).hasSize(4);
    assertThat(requests.stream().filter(r -> r.query().contains("comp=blocklist"))).hasSize(1);
    assertThat(clocked.blobs).isEmpty();

    clocked.ahead = Duration.ZERO; // the clock set right: the staged blocks never became an object
    assertThat(store.stat("pack")).isEmpty();
    assertThatThrownBy(() -> store.read("pack")).isInstanceOf(NoSuchObjectException.class);
  }

  @Test
  void aRefusedDateIsNamedEvenWhenAProxysDateAgreesWithThisMachine() throws IOException {
    AzureBlobStore store =
        open(
            request ->
                Answer.authenticationFailed(
                    "Request date header too old: '" + request.header("Date") + "'",
                    "Date",
                    request.header("Date")),
            QUICK);

    assertThatThrownBy(() -> store.read("pack"))
        .hasMessage(
            "Cannot read object pack in azure://fakeaccount/vault: authentication failed for account"
                + " fakeaccount (HTTP 403 AuthenticationFailed): the service says the request's"
                + " date is too far from its own time; set the clock (NTP) and retry");
  }

  @Test
  void aSasOutsideItsValiditySaysWhenItIsValidByTheServicesClock() throws IOException {
    String sas = "sv=2025-11-05&ss=b&srt=sco&sp=rwdl&se=2024-01-01T08:00:00Z&sig=c2VjcmV0";
    AtomicInteger reads = new AtomicInteger();
    service =
        new FakeBlobService(
            request ->
                Answer.authenticationFailed(
                    reads.incrementAndGet() == 1
                        ? "Signature not valid in the specified time frame: Start [Mon, 01 Jan 2024"
                            + " 00:00:00 GMT] - Expiry [Mon, 01 Jan 2024 08:00:00 GMT] - Current"
                            + " [Tue, 02 Jan 2024 09:00:00 GMT]"
                        : "Signature not valid in the specified time frame: Start [Mon, 01 Jan 2024"
                            + " 00:00:00 GMT] - Expiry [Mon, 01 Jan 2024 08:00:00 GMT] - Current"
                            + " [Sun, 31 Dec 2023 23:00:00 GMT]"));
    AzureBlobStore store =
        new AzureBlobStoreProvider()
            .open(
                "azure://" + FakeBlobService.ACCOUNT + "/vault",
                new BlobStoreProvider.Context(
                    Map.of(AzureBlobStoreProvider.SAS_TOKEN, sas),
                    Optional.of(service.endpoint()),
                    false),
                QUICK);

    assertThatThrownBy(() -> store.read("pack"))
        .hasMessage(
            "Cannot read object pack in azure://fakeaccount/vault: authentication failed for account"
                + " fakeaccount (HTTP 403 AuthenticationFailed): the SAS token expired at"
                + " 2024-01-01T08:00:00Z (the service's time is 2024-01-02T09:00:00Z)");
    assertThatThrownBy(() -> store.read("pack"))
        .hasMessage(
            "Cannot read object pack in azure://fakeaccount/vault: authentication failed for account"
                + " fakeaccount (HTTP 403 AuthenticationFailed): the SAS token is not valid before"
                + " 2024-01-01T00:00:00Z (the service's time is 2023-12-31T23:00:00Z); the clock of"
                + " the machine that made it may be ahead");
    assertThat(service.requests()).hasSize(2);
  }

  /**
   * A service with blobs, on a clock {@link #ahead} of this machine's. Like Azure with a shared
   * key, it refuses a request dated ({@code x-ms-date}, else {@code Date}) more than 15 minutes off
   * its own time with 403 AuthenticationFailed, and its answers carry its own time in {@code Date}.
   * Staged blocks become a blob only when a block list commits them.
   */
  private static final class ClockedService {
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    final Map<String, byte[]> staged = new ConcurrentHashMap<>();
    volatile Duration ahead = Duration.ZERO;

    /** Whether the service's clock steps {@link #SKEW} ahead when a block list arrives. */
    volatile boolean stepsBeforeCommit;

    Answer answer(Request request) {
      if (stepsBeforeCommit && request.query().contains("comp=blocklist")) {
        ahead = SKEW;
      }
      Instant now = Instant.now().plus(ahead);
      String date =
          request.header("x-ms-date") != null
              ? request.header("x-ms-date")
              : request.header("Date");
      Instant dated = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      String serviceDate = FakeBlobService.httpDate(now);
      if (Duration.between(dated, now).compareTo(Duration.ofMinutes(15)) > 0) {
        return Answer.authenticationFailed(
            "Request date header too old: '" + date + "'", "Date", serviceDate);
      }
      if (Duration.between(now, dated).compareTo(Duration.ofMinutes(15)) > 0) {
        return Answer.authenticationFailed(null, "Date", serviceDate);
      }
      String path = request.path();
      String query = request.query();
      switch (request.method()) {
        case "PUT" -> {
          if (query.contains("comp=block&")) {
            staged.put(blockId(query), request.body());
          } else if (query.contains("comp=blocklist")) {
            ByteArrayOutputStream blob = new ByteArrayOutputStream();
            Matcher latest =
                Pattern.compile("<Latest>([^<]*)</Latest>")
                    .matcher(new String(request.body(), StandardCharsets.UTF_8));
            while (latest.find()) {
              blob.writeBytes(staged.get(latest.group(1)));
            }
            blobs.put(path, blob.toByteArray());
          } else {
            blobs.put(path, request.body());
          }
          return Answer.of(201, "ETag", "\"0x1\"", "Date", serviceDate);
        }
        case "HEAD" -> {
          byte[] blob = blobs.get(path);
          return blob == null
              ? Answer.error(404, "BlobNotFound", "Date", serviceDate)
              : blobProperties(blob.length, "whatever");
        }
        case "GET" -> {
          byte[] blob = blobs.get(path);
          return blob == null
              ? Answer.error(404, "BlobNotFound", "Date", serviceDate)
              : new Answer(200, Map.of("Date", serviceDate, "x-ms-blob-type", "BlockBlob"), blob);
        }
        default -> {
          return Answer.error(405, "UnsupportedHttpVerb", "Date", serviceDate);
        }
      }
    }

    private static String blockId(String query) {
      for (String pair : query.split("&")) {
        if (pair.startsWith("blockid=")) {
          return URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8);
        }
      }
      throw new IllegalArgumentException("no block id in " + query);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private AzureBlobStore open(Function<Request, Answer> handler, AzureSettings settings)
      throws IOException {
    service = new FakeBlobService(handler);
    return new AzureBlobStoreProvider()
        .open(
            "azure://" + FakeBlobService.ACCOUNT + "/vault",
            new BlobStoreProvider.Context(
                Map.of(AzureBlobStoreProvider.ACCOUNT_KEY, KEY),
                Optional.of(service.endpoint()),
                false),
            settings);
  }

  /**
   * A service with immutability support: creates succeed and the properties report the protection
   * of the last create.
   */
  private static Function<Request, Answer> immutableBlobs() {
    AtomicReference<Request> created = new AtomicReference<>();
    return request -> {
      if (!request.method().equals("HEAD")) {
        if (request.header("x-ms-immutability-policy-mode") != null) {
          created.set(request);
        }
        return Answer.created();
      }
      Request put = created.get();
      List<String> headers =
          new ArrayList<>(
              List.of(
                  "Content-Length",
                  "1",
                  "x-ms-blob-type",
                  "BlockBlob",
                  "ETag",
                  "\"0x3\"",
                  "x-ms-immutability-policy-until-date",
                  put.header("x-ms-immutability-policy-until-date"),
                  "x-ms-immutability-policy-mode",
                  put.header("x-ms-immutability-policy-mode").toLowerCase(Locale.ROOT)));
      if ("true".equals(put.header("x-ms-legal-hold"))) {
        headers.addAll(List.of("x-ms-legal-hold", "true"));
      }
      return Answer.of(200, headers.toArray(String[]::new));
    };
  }

  @Test
  void aServiceThatIgnoresTheProtectionHeadersFailsTheCreateAndTheObjectIsRemoved()
      throws IOException {
    AzureBlobStore store =
        open(
            request ->
                switch (request.method()) {
                  case "PUT" -> Answer.created();
                  case "HEAD" -> blobProperties(1, "whatever");
                  default -> Answer.of(202);
                },
            QUICK);

    assertThatThrownBy(
            () ->
                store.createImmutable(
                    "pack",
                    new byte[1],
                    new Retention(Instant.parse("2050-01-01T00:00:00Z"), Retention.Mode.LOCKED),
                    false))
        .hasMessage(
            "Cannot create immutable object pack in azure://fakeaccount/vault: the service stored"
                + " it without the requested protection (no immutability support on this"
                + " container?); it was removed again");
    assertThat(service.requests())
        .extracting(Request::method)
        .containsExactly("PUT", "HEAD", "DELETE");
  }

  private static Answer blobProperties(long size, String uploadId) {
    return Answer.of(
        200,
        "Content-Length",
        String.valueOf(size),
        "x-ms-blob-type",
        "BlockBlob",
        "ETag",
        "\"0x2\"",
        "Last-Modified",
        FakeBlobService.httpDate(Instant.now()),
        "x-ms-meta-" + AzureBlobStore.UPLOAD_ID,
        uploadId);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String randomKey(long seed) {
    return Base64.getEncoder().encodeToString(randomBytes(64, seed));
  }

  static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }
}
