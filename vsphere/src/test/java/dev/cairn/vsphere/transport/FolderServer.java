package dev.cairn.vsphere.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small stand-in for vSphere's {@code /folder} interface for unit tests: files by "[ds] path",
 * ranged GETs, PUTs, a cookie it requires, and faults (ignore ranges, short bodies, dropped
 * requests).
 */
final class FolderServer implements AutoCloseable {
  static final String COOKIE = "vmware_soap_session=\"secret-session\"";

  final Map<String, byte[]> files = new ConcurrentHashMap<>();
  final AtomicInteger requests = new AtomicInteger();
  volatile boolean ignoreRange;
  volatile boolean shortBodies;
  final AtomicInteger dropsLeft = new AtomicInteger();
  private final HttpServer server;

  FolderServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/folder", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange) {
      if (!COOKIE.equals(exchange.getRequestHeaders().getFirst("Cookie"))) {
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      String query = exchange.getRequestURI().getQuery();
      String ds = query.substring(query.indexOf("dsName=") + 7);
      String key = "[" + ds + "] " + exchange.getRequestURI().getPath().substring(8);
      if (exchange.getRequestMethod().equals("PUT")) {
        files.put(key, exchange.getRequestBody().readAllBytes());
        exchange.sendResponseHeaders(201, -1);
        return;
      }
      byte[] file = files.get(key);
      if (file == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      String range = exchange.getRequestHeaders().getFirst("Range");
      if (range == null || ignoreRange) {
        exchange.sendResponseHeaders(200, file.length);
        exchange.getResponseBody().write(file);
        return;
      }
      String[] bounds = range.substring("bytes=".length()).split("-");
      int start = Integer.parseInt(bounds[0]);
      int end = Math.min(file.length - 1, Integer.parseInt(bounds[1]));
      int length = end - start + 1;
      exchange
          .getResponseHeaders()
          .add("Content-Range", "bytes " + start + "-" + end + "/" + file.length);
      if (dropsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        exchange.sendResponseHeaders(206, length);
        exchange.getResponseBody().write(file, start, length / 2);
        exchange.getResponseBody().flush();
        exchange.getHttpContext().getServer(); // keep the exchange open until closed abruptly
        throw new IOException("dropped on purpose");
      }
      int sent = shortBodies ? length / 2 : length;
      exchange.sendResponseHeaders(206, sent);
      OutputStream body = exchange.getResponseBody();
      body.write(file, start, sent);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
