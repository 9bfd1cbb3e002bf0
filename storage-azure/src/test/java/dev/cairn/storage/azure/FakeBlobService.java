package dev.cairn.storage.azure;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A local HTTP/1.1 endpoint that records every request and answers what the test says, the way the
 * Azure Blob service would, or drops the connection. Raw sockets rather than the JDK's HttpServer,
 * so that a test can close the connection after reading a request and before any answer.
 */
final class FakeBlobService implements AutoCloseable {
  static final String ACCOUNT = "fakeaccount";

  /** One request as received: header names in lower case. */
  record Request(
      String method, String target, Map<String, String> headers, byte[] body, Instant received) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The decoded path without the account ("/container/blob"). */
    String path() {
      String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
      return URLDecoder.decode(path.substring(("/" + ACCOUNT).length()), StandardCharsets.UTF_8);
    }

    String query() {
      return target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
    }
  }

  /** An answer, or {@link #DROP} to close the connection without one. */
  record Answer(int status, Map<String, String> headers, byte[] body) {
    static final Answer DROP = new Answer(-1, Map.of(), new byte[0]);

    static Answer of(int status, String... headerPairs) {
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 0; i < headerPairs.length; i += 2) {
        headers.put(headerPairs[i], headerPairs[i + 1]);
      }
      return new Answer(status, headers, new byte[0]);
    }

    /** An Azure error: the status, {@code x-ms-error-code} and the XML error body. */
    static Answer error(int status, String code, String... headerPairs) {
      Answer answer = of(status, headerPairs);
      Map<String, String> headers = new LinkedHashMap<>(answer.headers());
      headers.put("x-ms-error-code", code);
      headers.put("Content-Type", "application/xml");
      String body =
          "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
              + code
              + "</Code><Message>fake "
              + code
              + "</Message></Error>";
      return new Answer(status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * 403 AuthenticationFailed as Azure words it, with {@code detail} as its
     * AuthenticationErrorDetail (none if null).
     */
    static Answer authenticationFailed(String detail, String... headerPairs) {
      Map<String, String> headers = new LinkedHashMap<>(of(403, headerPairs).headers());
      headers.put("x-ms-error-code", "AuthenticationFailed");
      headers.put("Content-Type", "application/xml");
      String body =
          "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code>"
              + "<Message>Server failed to authenticate the request. Make sure the value of"
              + " Authorization header is formed correctly including the signature.\n"
              + "RequestId:fake\nTime:"
              + Instant.now()
              + "</Message>"
              + (detail == null
                  ? ""
                  : "<AuthenticationErrorDetail>" + detail + "</AuthenticationErrorDetail>")
              + "</Error>";
      return new Answer(403, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** 201 to a Put Blob or Put Block List. */
    static Answer created() {
      return of(201, "ETag", "\"0x8DC0000000000001\"", "Last-Modified", httpDate(Instant.now()));
    }

    /** An empty blob listing, for the existence check when a store opens. */
    static Answer emptyListing() {
      String body =
          "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults"
              + " ContainerName=\"c\"><Prefix></Prefix><MaxResults>1</MaxResults><Blobs"
              + " /><NextMarker /></EnumerationResults>";
      return new Answer(
          200, Map.of("Content-Type", "application/xml"), body.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final ServerSocket server;
  private final Function<Request, Answer> handler;
  private final List<Request> requests = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();

  /**
   * Starts serving on 127.0.0.1. A listing of a container is answered as empty and everything else
   * by {@code handler}.
   */
  FakeBlobService(Function<Request, Answer> handler) throws IOException {
    this.handler = handler;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Requests received so far, not counting the listings made when a store opens. */
  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  static String httpDate(Instant instant) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atOffset(ZoneOffset.UTC));
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        synchronized (this) {
          sockets.add(socket);
        }
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (true) {
        Request request = readRequest(in);
        if (request == null) {
          return;
        }
        Answer answer;
        if (request.method().equals("GET") && request.query().contains("comp=list")) {
          answer = Answer.emptyListing();
        } else {
          synchronized (this) {
            requests.add(request);
          }
          answer = handler.apply(request);
        }
        if (answer == Answer.DROP) {
          return;
        }
        writeAnswer(out, request, answer);
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static Request readRequest(InputStream in) throws IOException {
    String requestLine = readLine(in);
    if (requestLine == null || requestLine.isEmpty()) {
      return null;
    }
    String[] parts = requestLine.split(" ");
    Map<String, String> headers = new TreeMap<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    byte[] body;
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      int size;
      while ((size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) > 0) {
        chunks.write(in.readNBytes(size));
        readLine(in);
      }
      readLine(in);
      body = chunks.toByteArray();
    } else {
      body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
    }
    return new Request(parts[0], parts[1], headers, body, Instant.now());
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  private static void writeAnswer(OutputStream out, Request request, Answer answer)
      throws IOException {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + answer.status() + " Fake\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-ms-request-id", "fake-" + System.nanoTime());
    headers.put("x-ms-version", "2025-11-05");
    headers.put("Date", httpDate(Instant.now()));
    headers.putAll(answer.headers());
    if (!headers.containsKey("Content-Length")) {
      headers.put("Content-Length", String.valueOf(answer.body().length));
    }
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!request.method().equals("HEAD")) {
      out.write(answer.body());
    }
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (this) {
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }
}
