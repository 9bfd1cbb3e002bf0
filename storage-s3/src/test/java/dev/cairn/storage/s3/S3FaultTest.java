package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.storage.ObjectExistsException;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * Failures no real server produces on demand, from a fake S3 endpoint on the JDK's HTTP server:
 * throttling storms and connections dropped in the middle of an upload.
 */
class S3FaultTest {
  private static final String SLOW_DOWN =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
          + "<Message>Please reduce your request rate.</Message></Error>";

  private HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final AtomicInteger slowDowns = new AtomicInteger();
  private volatile Predicate<String> dropConnection = request -> false;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  /** Path-style S3, just enough of it: object PUT/HEAD and the multipart calls. */
  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String query = Optional.ofNullable(exchange.getRequestURI().getRawQuery()).orElse("");
    String key = exchange.getRequestURI().getPath().replaceFirst("^/bucket/", "");
    String request = method + " " + key + (query.isEmpty() ? "" : "?" + query);
    requests.add(request);
    try (exchange) {
      if (dropConnection.test(request)) {
        exchange.getRequestBody().readNBytes(1000);
        // An exception out of the handler makes the server close the connection mid-request.
        throw new IllegalStateException("dropping the connection of " + request);
      }
      if (slowDowns.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
        exchange.getRequestBody().readAllBytes();
        reply(exchange, 503, SLOW_DOWN);
        return;
      }
      byte[] body = exchange.getRequestBody().readAllBytes();
      switch (method) {
        case "HEAD" -> {
          byte[] object = objects.get(key);
          exchange
              .getResponseHeaders()
              .add("Content-Length", "" + (object == null ? 0 : object.length));
          exchange.sendResponseHeaders(object == null ? 404 : 200, -1);
        }
        case "PUT" -> {
          if (!query.contains("uploadId")) {
            objects.put(key, body);
          }
          exchange.getResponseHeaders().add("ETag", "\"etag-" + requests.size() + "\"");
          exchange.sendResponseHeaders(200, -1);
        }
        case "POST" -> {
          if (query.startsWith("uploads")) {
            reply(
                exchange,
                200,
                "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>"
                    + key
                    + "</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>");
          } else {
            objects.put(key, new byte[0]);
            reply(
                exchange,
                200,
                "<CompleteMultipartUploadResult><Key>"
                    + key
                    + "</Key></CompleteMultipartUploadResult>");
          }
        }
        case "DELETE" -> exchange.sendResponseHeaders(204, -1);
        default -> exchange.sendResponseHeaders(405, -1);
      }
    }
  }

  private static void reply(HttpExchange exchange, int status, String xml) throws IOException {
    byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/xml");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private S3BlobStore store(S3Tuning tuning) throws IOException {
    S3Location location =
        S3Location.parse(
            "s3://127.0.0.1:" + server.getAddress().getPort() + "/bucket", Optional.empty());
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
