package dev.cairn.vsphere.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads vSphere tags through vCenter's vAPI REST interface: a session from {@code POST
 * /api/session} (vSphere 7.0 U2 and later) or, when that path is missing, {@code POST
 * /rest/com/vmware/cis/session} (older releases), both with basic authentication; then the tags,
 * their categories and the objects they are attached to; then the session is deleted.
 *
 * <p>Not thread-safe; one use per instance. The password and the vAPI session id never appear in
 * messages.
 */
public final class TagReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SESSION_HEADER = "vmware-api-session-id";

  private final HttpClient client;
  private final URI server;
  private final String user;
  private final String password;
  private final Duration timeout;
  private String session;
  private boolean rest; // the /rest flavour (answers wrapped in {"value": ...})

  /**
   * @param client the vim25 transport's HTTP client (same TLS trust)
   * @param server scheme, host and port of vCenter
   */
  public TagReader(HttpClient client, URI server, String user, String password, Duration timeout) {
    this.client = client;
    this.server = server;
    this.user = user;
    this.password = password;
    this.timeout = timeout;
  }

  /**
   * Every tag attached to something, by the object it is attached to.
   *
   * @throws IOException when the tagging service cannot be reached or refuses the login
   */
  public Map<ManagedObjectReference, List<Tag>> read() throws IOException {
    login();
    try {
      Map<String, String> categories = new HashMap<>();
      Map<String, Tag> tags = new LinkedHashMap<>();
      for (JsonNode id :
          value(get(rest ? "/rest/com/vmware/cis/tagging/tag" : "/api/cis/tagging/tag"))) {
        JsonNode tag =
            value(
                get(
                    rest
                        ? "/rest/com/vmware/cis/tagging/tag/id:" + encode(id.asText())
                        : "/api/cis/tagging/tag/" + encode(id.asText())));
        String categoryId = tag.path("category_id").asText();
        String category = categories.get(categoryId);
        if (category == null) {
          category =
              value(
                      get(
                          rest
                              ? "/rest/com/vmware/cis/tagging/category/id:" + encode(categoryId)
                              : "/api/cis/tagging/category/" + encode(categoryId)))
                  .path("name")
                  .asText(categoryId);
          categories.put(categoryId, category);
        }
        tags.put(id.asText(), new Tag(id.asText(), tag.path("name").asText(), category));
      }
      Map<ManagedObjectReference, List<Tag>> attached = new LinkedHashMap<>();
      if (tags.isEmpty()) {
        return attached;
      }
      String body = JSON.writeValueAsString(Map.of("tag_ids", List.copyOf(tags.keySet())));
      JsonNode associations =
          value(
              post(
                  rest
                      ? "/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags"
                      : "/api/cis/tagging/tag-association?action=list-attached-objects-on-tags",
                  body));
      for (JsonNode association : associations) {
        Tag tag = tags.get(association.path("tag_id").asText());
        if (tag == null) {
          continue;
        }
        for (JsonNode object : association.path("object_ids")) {
          ManagedObjectReference ref =
              new ManagedObjectReference(object.path("type").asText(), object.path("id").asText());
          attached.computeIfAbsent(ref, r -> new ArrayList<>()).add(tag);
        }
      }
      return attached;
    } finally {
      logout();
    }
  }

  private void login() throws IOException {
    String basic =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response = send(sessionRequest("/api/session", basic), "/api/session");
    if (response.statusCode() == 404) {
      rest = true;
      response =
          send(
              sessionRequest("/rest/com/vmware/cis/session", basic),
              "/rest/com/vmware/cis/session");
    }
    if (response.statusCode() == 401 || response.statusCode() == 403) {
      throw new IOException(
          "Cannot log in to the tagging service of "
              + server.getRawAuthority()
              + ": HTTP status "
              + response.statusCode());
    }
    check(response, rest ? "/rest/com/vmware/cis/session" : "/api/session");
    JsonNode token = value(JSON.readTree(response.body()));
    if (!token.isTextual() || token.asText().isEmpty()) {
      throw new IOException(
          "Cannot log in to the tagging service of "
              + server.getRawAuthority()
              + ": the answer holds no session id");
    }
    session = token.asText();
  }

  private void logout() {
    if (session == null) {
      return;
    }
    HttpRequest request =
        HttpRequest.newBuilder(
                server.resolve(rest ? "/rest/com/vmware/cis/session" : "/api/session"))
            .timeout(timeout)
            .header(SESSION_HEADER, session)
            .DELETE()
            .build();
    try {
      client.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      // The vAPI session expires on its own.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      session = null;
    }
  }

  private HttpRequest sessionRequest(String path, String basicAuth) {
    return HttpRequest.newBuilder(server.resolve(path))
        .timeout(timeout)
        .header("Authorization", "Basic " + basicAuth)
        .POST(HttpRequest.BodyPublishers.noBody())
        .build();
  }

  private JsonNode get(String path) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(server.resolve(path))
            .timeout(timeout)
            .header(SESSION_HEADER, session)
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<String> response = send(request, path);
    check(response, path);
    return JSON.readTree(response.body());
  }

  private JsonNode post(String path, String json) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(server.resolve(path))
            .timeout(timeout)
            .header(SESSION_HEADER, session)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    HttpResponse<String> response = send(request, path);
    check(response, path);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> send(HttpRequest request, String path) throws IOException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("Cannot read " + path + ": interrupted");
    } catch (IOException e) {
      throw new IOException(
          "Cannot read "
              + path
              + " from "
              + server.getRawAuthority()
              + ": "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
          e);
    }
  }

  private void check(HttpResponse<String> response, String path) throws IOException {
    if (response.statusCode() / 100 != 2) {
      throw new IOException(
          "Cannot read "
              + path.replaceFirst("\\?.*", "")
              + " from "
              + server.getRawAuthority()
              + ": HTTP status "
              + response.statusCode());
    }
  }

  /** The {@code /rest} answers wrap their value; the {@code /api} ones do not. */
  private JsonNode value(JsonNode answer) {
    return rest && answer.has("value") ? answer.get("value") : answer;
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public String toString() {
    return "TagReader[" + server + ", " + user + "]";
  }
}
