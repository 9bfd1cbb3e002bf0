package dev.cairn.vsphere.soap;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A fake vim25 endpoint replaying canned replies per method name, recording every request. A
 * method's replies are served in order; the last one repeats. Unknown methods get a fault.
 */
public final class CannedVimServer implements AutoCloseable {
  private static final Pattern METHOD = Pattern.compile("<soapenv:Body><([A-Za-z_]+)");

  /** A recorded request. */
  public record Request(String method, String body, Map<String, List<String>> headers) {
    public String header(String name) {
      for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
        if (entry.getKey().equalsIgnoreCase(name)) {
          return entry.getValue().getFirst();
        }
      }
      return null;
    }
  }

  /** A reply: status, body, extra headers; {@code stallMillis} pauses after the headers. */
  public record Reply(int status, byte[] body, Map<String, String> headers, long stallMillis) {
    public static Reply ok(String xml) {
      return new Reply(200, xml.getBytes(StandardCharsets.UTF_8), Map.of(), 0);
    }

    public static Reply status(int status, String body) {
      return new Reply(status, body.getBytes(StandardCharsets.UTF_8), Map.of(), 0);
    }

    public Reply withHeader(String name, String value) {
      Map<String, String> more = new HashMap<>(headers);
      more.put(name, value);
      return new Reply(status, body, more, stallMillis);
    }

    public Reply stalling(long millis) {
      return new Reply(status, body, headers, millis);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Deque<Function<Request, Reply>>> replies = new HashMap<>();
  private final List<Request> requests = new ArrayList<>();
  private volatile String versionsXml;

  private CannedVimServer(HttpServer server) {
    this.server = server;
    server.setExecutor(executor);
    server.createContext("/sdk", this::handle);
    server.start();
  }

  /** A plain-http server on a free loopback port, answering RetrieveServiceContent. */
  public static CannedVimServer start() throws IOException {
    CannedVimServer canned =
        new CannedVimServer(
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    canned.on("RetrieveServiceContent", response("RetrieveServiceContent", SERVICE_CONTENT));
    return canned;
  }

  /** An https server with the key and certificate of {@code tls}. */
  public static CannedVimServer startHttps(SSLContext tls) throws IOException {
    HttpsServer https =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(tls));
    CannedVimServer canned = new CannedVimServer(https);
    canned.on("RetrieveServiceContent", response("RetrieveServiceContent", SERVICE_CONTENT));
    return canned;
  }

  /** The SDK URL. */
  public URI url() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/sdk");
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Serves {@code /sdk/vimServiceVersions.xml} with {@code xml} (404 while null). */
  public CannedVimServer versions(String xml) {
    this.versionsXml = xml;
    return this;
  }

  /** Replaces the replies to {@code method} with {@code xml} bodies (HTTP 200, then repeated). */
  public synchronized CannedVimServer on(String method, String... xml) {
    Deque<Function<Request, Reply>> queue = new ArrayDeque<>();
    for (String body : xml) {
      Reply reply = Reply.ok(body);
      queue.add(request -> reply);
    }
    replies.put(method, queue);
    return this;
  }

  /** Replaces the replies to {@code method}. */
  public synchronized CannedVimServer onReply(String method, Reply... reply) {
    Deque<Function<Request, Reply>> queue = new ArrayDeque<>();
    for (Reply each : reply) {
      queue.add(request -> each);
    }
    replies.put(method, queue);
    return this;
  }

  /** Appends a reply computed from the request. */
  public synchronized CannedVimServer then(String method, Function<Request, Reply> reply) {
    replies.computeIfAbsent(method, m -> new ArrayDeque<>()).add(reply);
    return this;
  }

  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  public synchronized List<Request> requests(String method) {
    return requests.stream().filter(r -> r.method().equals(method)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (exchange.getRequestURI().getPath().endsWith("/vimServiceVersions.xml")) {
        String versions = versionsXml;
        send(exchange, versions == null ? Reply.status(404, "not here") : Reply.ok(versions));
        return;
      }
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Matcher matcher = METHOD.matcher(body);
      String method = matcher.find() ? matcher.group(1) : "?";
      Request request = new Request(method, body, Map.copyOf(exchange.getRequestHeaders()));
      Function<Request, Reply> responder;
      synchronized (this) {
        requests.add(request);
        Deque<Function<Request, Reply>> queue = replies.get(method);
        if (queue == null || queue.isEmpty()) {
          responder =
              r -> Reply.status(500, fault("MethodNotFound", "no canned reply for " + method, ""));
        } else {
          responder = queue.size() > 1 ? queue.poll() : queue.peek();
        }
      }
      send(exchange, responder.apply(request));
    }
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
    exchange.getResponseHeaders().add("Content-Type", "text/xml; charset=utf-8");
    if (reply.stallMillis() > 0) {
      exchange.sendResponseHeaders(reply.status(), 0);
      OutputStream out = exchange.getResponseBody();
      out.write(reply.body(), 0, Math.min(10, reply.body().length));
      out.flush();
      try {
        Thread.sleep(reply.stallMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    exchange.sendResponseHeaders(
        reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
    exchange.getResponseBody().write(reply.body());
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ------------------------------------------------------------------ canned XML

  public static String envelope(String body) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
        + " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
        + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
        + body
        + "</soapenv:Body></soapenv:Envelope>";
  }

  /** {@code <methodResponse xmlns="urn:vim25">inner</methodResponse>} in an envelope. */
  public static String response(String method, String inner) {
    return envelope(
        "<" + method + "Response xmlns=\"urn:vim25\">" + inner + "</" + method + "Response>");
  }

  /** A SOAP fault whose detail is {@code <TypeFault xsi:type="Type">detail</TypeFault>}. */
  public static String fault(String type, String message, String detail) {
    return envelope(
        "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>"
            + message
            + "</faultstring><detail><"
            + type
            + "Fault xmlns=\"urn:vim25\" xsi:type=\""
            + type
            + "\">"
            + detail
            + "</"
            + type
            + "Fault></detail></soapenv:Fault>");
  }

  public static final String SERVICE_CONTENT =
      """
      <returnval>
        <rootFolder type="Folder">group-d1</rootFolder>
        <propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>
        <viewManager type="ViewManager">ViewManager</viewManager>
        <about>
          <name>VMware vCenter Server</name>
          <fullName>VMware vCenter Server 8.0.2 build-22385739</fullName>
          <vendor>VMware, Inc.</vendor>
          <version>8.0.2</version>
          <build>22385739</build>
          <osType>linux-x64</osType>
          <productLineId>vpx</productLineId>
          <apiType>VirtualCenter</apiType>
          <apiVersion>8.0.2.0</apiVersion>
          <instanceUuid>5b1f0a6e-0000-4000-8000-000000000001</instanceUuid>
        </about>
        <setting type="OptionManager">VpxSettings</setting>
        <sessionManager type="SessionManager">SessionManager</sessionManager>
        <authorizationManager type="AuthorizationManager">AuthorizationManager</authorizationManager>
        <customFieldsManager type="CustomFieldsManager">CustomFieldsManager</customFieldsManager>
        <searchIndex type="SearchIndex">SearchIndex</searchIndex>
        <fileManager type="FileManager">FileManager</fileManager>
        <virtualDiskManager type="VirtualDiskManager">VirtualDiskManager</virtualDiskManager>
        <ovfManager type="OvfManager">OvfManager</ovfManager>
      </returnval>
      """;

  public static final String LOGIN =
      response(
          "Login",
          """
          <returnval>
            <key>52f0-session-key</key>
            <userName>VSPHERE.LOCAL\\backup</userName>
            <fullName>backup</fullName>
            <loginTime>2026-11-25T01:00:00Z</loginTime>
            <lastActiveTime>2026-11-25T01:00:00Z</lastActiveTime>
            <locale>en</locale>
            <messageLocale>en</messageLocale>
          </returnval>
          """);
}
