package dev.cairn.storage.s3;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A local HTTP/1.1 server on plain sockets that answers what a test's handler says. The JDK's
 * HttpServer always writes its own {@code Date} header; this one writes only the headers the
 * handler gives, so a test can play a server whose clock is off (the SDK corrects its own clock
 * from {@code Date}) or one that sends no {@code Date} at all. A handler can also close the
 * connection in the middle of a request.
 */
final class SocketHttpServer implements AutoCloseable {

  /** One request: header names in lower case; the body is read by the handler, or drained. */
  record Request(String method, String target, Map<String, String> headers, InputStream body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The path, without the query. */
    String path() {
      int question = target.indexOf('?');
      return question < 0 ? target : target.substring(0, question);
    }

    /** The raw query, empty if there is none. */
    String query() {
      int question = target.indexOf('?');
      return question < 0 ? "" : target.substring(question + 1);
    }
  }

  /** An answer; {@link #DROP} closes the connection without one. */
  record Answer(int status, Map<String, String> headers, byte[] body) {
    static final Answer DROP = new Answer(-1, Map.of(), new byte[0]);
  }

  /** Answers one request. */
  interface Handler {
    Answer answer(Request request) throws IOException;
  }

  private final ServerSocket server;
  private final Handler handler;
  private final List<Socket> sockets = new ArrayList<>();

  /** Starts serving on a free loopback port. */
  SocketHttpServer(Handler handler) throws IOException {
    this.handler = handler;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  int port() {
    return server.getLocalPort();
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
        String requestLine = readLine(in);
        if (requestLine == null || requestLine.isEmpty()) {
          return;
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
        if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
        InputStream body = body(in, headers);
        Answer answer = handler.answer(new Request(parts[0], parts[1], headers, body));
        if (answer == Answer.DROP) {
          return;
        }
        body.transferTo(OutputStream.nullOutputStream());
        write(out, parts[0], answer);
      }
    } catch (IOException | RuntimeException e) {
      // the client went away, or the handler failed: either way the connection ends here
    }
  }

  /** The request's body: its Content-Length bytes, or the whole of a chunked body. */
  private static InputStream body(InputStream in, Map<String, String> headers) throws IOException {
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      int size;
      while ((size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) > 0) {
        chunks.write(in.readNBytes(size));
        readLine(in);
      }
      readLine(in);
      return new ByteArrayInputStream(chunks.toByteArray());
    }
    long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
    return new BoundedInput(in, length);
  }

  private static void write(OutputStream out, String method, Answer answer) throws IOException {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + answer.status() + " Fake\r\n");
    Map<String, String> headers = new LinkedHashMap<>(answer.headers());
    headers.putIfAbsent("Content-Length", String.valueOf(answer.body().length));
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!method.equals("HEAD")) {
      out.write(answer.body());
    }
    out.flush();
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

  /** The next {@code remaining} bytes of a connection, so that the next request stays unread. */
  private static final class BoundedInput extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInput(InputStream in, long remaining) {
      this.in = in;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int read = in.read(buffer, offset, (int) Math.min(length, remaining));
      if (read > 0) {
        remaining -= read;
      }
      return read;
    }
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
