package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.s3.SocketHttpServer.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

/**
 * Failures no real server produces on demand, from a fake S3 endpoint on plain sockets: throttling
 * storms and connections dropped in the middle of an upload.
 */
class S3FaultTest {
  private static final String SLOW_DOWN =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
          + "<Message>Please reduce your request rate.</Message></Error>";

  private SocketHttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final AtomicInteger slowDowns = new AtomicInteger();
  private volatile Predicate<String> dropConnection = request -> false;

  @BeforeEach
  void startServer() throws IOException {
    server = new SocketHttpServer(this::handle);
  }

  @AfterEach
  void stopServer() throws IOException {
    server.close();
  }

  /** Path-style S3, just enough of it: object PUT/HEAD and the multipart calls. */
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
    if (slowDowns.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
      return xml(503, SLOW_DOWN);
    }
    byte[] body = exchange.body().readAllBytes();
    switch (method) {
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

  private S3BlobStore store(S3Tuning tuning) throws IOException {
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
}
