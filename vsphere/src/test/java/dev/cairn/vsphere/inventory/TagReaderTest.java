package dev.cairn.vsphere.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Both vAPI flavours against a small fake: /api (7.0 U2+) and the /rest fallback. */
class TagReaderTest {
  static final String TAG = "urn:vmomi:InventoryServiceTag:1:GLOBAL";
  static final String CATEGORY = "urn:vmomi:InventoryServiceCategory:2:GLOBAL";
  static final String BASIC =
      "Basic "
          + Base64.getEncoder().encodeToString("backup:s3cret".getBytes(StandardCharsets.UTF_8));

  HttpServer server;
  final List<String> requests = new ArrayList<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  void serve(Map<String, String> answers) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String key =
                exchange.getRequestMethod()
                    + " "
                    + exchange.getRequestURI().getPath()
                    + (exchange.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + exchange.getRequestURI().getRawQuery());
            requests.add(key + " " + header(exchange, "vmware-api-session-id"));
            String answer = answers.get(key);
            if (key.endsWith("session")
                && key.startsWith("POST")
                && !BASIC.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
              answer = null;
              exchange.sendResponseHeaders(401, -1);
              return;
            }
            if (answer == null) {
              exchange.sendResponseHeaders(key.startsWith("DELETE") ? 204 : 404, -1);
              return;
            }
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
        });
    server.start();
  }

  static String header(HttpExchange exchange, String name) {
    return String.valueOf(exchange.getRequestHeaders().getFirst(name));
  }

  TagReader reader(String password) {
    return new TagReader(
        HttpClient.newHttpClient(),
        URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        "backup",
        password,
        Duration.ofSeconds(10));
  }

  static final ManagedObjectReference VM = new ManagedObjectReference("VirtualMachine", "vm-42");

  @Test
  void readsTagsThroughApi() throws IOException {
    serve(
        Map.of(
            "POST /api/session",
            "\"api-session\"",
            "GET /api/cis/tagging/tag",
            "[\"" + TAG + "\"]",
            "GET /api/cis/tagging/tag/" + TAG,
            "{\"id\":\"" + TAG + "\",\"name\":\"gold\",\"category_id\":\"" + CATEGORY + "\"}",
            "GET /api/cis/tagging/category/" + CATEGORY,
            "{\"name\":\"backup-policy\"}",
            "POST /api/cis/tagging/tag-association?action=list-attached-objects-on-tags",
            "[{\"tag_id\":\""
                + TAG
                + "\",\"object_ids\":[{\"id\":\"vm-42\",\"type\":\"VirtualMachine\"}]}]"));
    assertThat(reader("s3cret").read())
        .containsExactly(Map.entry(VM, List.of(new Tag(TAG, "gold", "backup-policy"))));
    assertThat(requests).contains("GET /api/cis/tagging/tag api-session");
    assertThat(requests.getLast()).isEqualTo("DELETE /api/session api-session");
  }

  @Test
  void fallsBackToRestWhereApiIsMissing() throws IOException {
    serve(
        Map.of(
            "POST /rest/com/vmware/cis/session",
            "{\"value\":\"rest-session\"}",
            "GET /rest/com/vmware/cis/tagging/tag",
            "{\"value\":[\"" + TAG + "\"]}",
            "GET /rest/com/vmware/cis/tagging/tag/id:" + TAG,
            "{\"value\":{\"id\":\""
                + TAG
                + "\",\"name\":\"gold\",\"category_id\":\""
                + CATEGORY
                + "\"}}",
            "GET /rest/com/vmware/cis/tagging/category/id:" + CATEGORY,
            "{\"value\":{\"name\":\"backup-policy\"}}",
            "POST /rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags",
            "{\"value\":[{\"tag_id\":\""
                + TAG
                + "\",\"object_ids\":[{\"id\":\"vm-42\",\"type\":\"VirtualMachine\"}]}]}"));
    assertThat(reader("s3cret").read())
        .containsExactly(Map.entry(VM, List.of(new Tag(TAG, "gold", "backup-policy"))));
    assertThat(requests.getLast()).isEqualTo("DELETE /rest/com/vmware/cis/session rest-session");
  }

  @Test
  void aRefusedLoginIsOneLineWithoutThePassword() throws IOException {
    serve(Map.of("POST /api/session", "\"api-session\""));
    assertThatThrownBy(() -> reader("wrong").read())
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot log in to the tagging service of 127.0.0.1:"
                + server.getAddress().getPort()
                + ": HTTP status 401")
        .message()
        .doesNotContain("wrong");
  }

  @Test
  void noTaggingServiceIsAnError() throws IOException {
    serve(Map.of());
    assertThatThrownBy(() -> reader("s3cret").read())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/rest/com/vmware/cis/session")
        .hasMessageEndingWith("HTTP status 404");
  }
}
