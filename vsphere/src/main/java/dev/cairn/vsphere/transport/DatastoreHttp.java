package dev.cairn.vsphere.transport;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Files on datastores through vSphere's datastore HTTP interface: {@code
 * https://HOST/folder/PATH?dcPath=DATACENTER&dsName=DATASTORE}, served by vCenter (which relays to
 * a host) and by each ESXi host. Reads are ranged; uploads replace a whole file.
 *
 * <p>Requests are authenticated by {@code authenticate}, which adds the vim25 session's cookie (a
 * session of the same server is accepted by its {@code /folder} interface). Thread-safe: ranged
 * reads run from many threads at once over the one {@link HttpClient}. Nothing here logs or reports
 * the cookie.
 */
public final class DatastoreHttp {
  private final HttpClient client;
  private final URI server;
  private final String datacenterPath;
  private final UnaryOperator<HttpRequest.Builder> authenticate;
  private final Duration timeout;

  /**
   * @param client the HTTP client, with the same TLS trust as the vim25 connection
   * @param server scheme, host and port of vCenter or the ESXi host ({@code https://vc.example})
   * @param datacenterPath the datacenter's inventory path ({@code "DC1"} or {@code "Folder/DC1"})
   * @param authenticate adds the session cookie (or other credentials) to a request
   * @param timeout how long one request may wait for the server's response headers and each read
   */
  public DatastoreHttp(
      HttpClient client,
      URI server,
      String datacenterPath,
      UnaryOperator<HttpRequest.Builder> authenticate,
      Duration timeout) {
    this.client = client;
    this.server = URI.create(server.getScheme() + "://" + server.getRawAuthority());
    this.datacenterPath = datacenterPath;
    this.authenticate = authenticate;
    this.timeout = timeout;
  }

  /** The URL of {@code file}. */
  public URI uriOf(DatastorePath file) {
    StringBuilder url = new StringBuilder(server.toString()).append("/folder");
    for (String segment : file.path().split("/")) {
      if (!segment.isEmpty()) {
        url.append('/').append(encode(segment));
      }
    }
    url.append("?dcPath=")
        .append(encode(datacenterPath))
        .append("&dsName=")
        .append(encode(file.datastore()));
    return URI.create(url.toString());
  }

  /** Where the bytes of the disk whose descriptor (or flat file) is {@code disk} are. */
  public DatastorePath flatFileOf(DatastorePath disk) throws IOException {
    if (disk.path().endsWith("-flat.vmdk")) {
      return disk;
    }
    Optional<byte[]> head = readHead(disk, VmdkDescriptor.MAX_BYTES);
    if (head.isEmpty()) {
      throw new IOException("Cannot read disk " + disk + ": the datastore has no such file");
    }
    Optional<VmdkDescriptor> descriptor = VmdkDescriptor.parse(head.get());
    if (descriptor.isEmpty()) {
      // Not a text descriptor: the file itself holds the disk's bytes.
      return disk;
    }
    return descriptor
        .get()
        .flatFile()
        .map(disk::sibling)
        .orElseThrow(
            () ->
                new IOException(
                    "Cannot read disk "
                        + disk
                        + " over the datastore HTTP transport: it is not one flat extent ("
                        + describe(descriptor.get())
                        + "); a VM with older snapshots needs the nbd transport"));
  }

  /**
   * Reads exactly {@code length} bytes of {@code file} at {@code position}.
   *
   * @throws IOException naming the file and offset when the server fails, ignores the range or
   *     sends fewer bytes
   */
  public void read(DatastorePath file, long position, byte[] target, int offset, int length)
      throws IOException {
    if (length == 0) {
      return;
    }
    HttpRequest request =
        authenticate
            .apply(
                HttpRequest.newBuilder(uriOf(file))
                    .timeout(timeout)
                    .header("Range", "bytes=" + position + "-" + (position + length - 1)))
            .GET()
            .build();
    HttpResponse<InputStream> response = send(request, file, position);
    try (InputStream body = response.body()) {
      if (response.statusCode() != 206) {
        throw new IOException(
            "Cannot read "
                + file
                + " at offset "
                + position
                + ": "
                + (response.statusCode() == 200
                    ? "the server ignored the byte range"
                    : "HTTP " + response.statusCode()));
      }
      String range = response.headers().firstValue("Content-Range").orElse("");
      if (!range.startsWith("bytes " + position + "-")) {
        throw new IOException(
            "Cannot read "
                + file
                + " at offset "
                + position
                + ": the server answered another range ('"
                + range
                + "')");
      }
      int read = body.readNBytes(target, offset, length);
      if (read != length) {
        throw new IOException(
            "Cannot read "
                + file
                + " at offset "
                + position
                + ": the server sent "
                + read
                + " of "
                + length
                + " bytes");
      }
    }
  }

  /** Up to {@code max} bytes from the start of {@code file}, or empty when it does not exist. */
  public Optional<byte[]> readHead(DatastorePath file, int max) throws IOException {
    HttpRequest request =
        authenticate
            .apply(
                HttpRequest.newBuilder(uriOf(file))
                    .timeout(timeout)
                    .header("Range", "bytes=0-" + (max - 1)))
            .GET()
            .build();
    HttpResponse<InputStream> response = send(request, file, 0);
    try (InputStream body = response.body()) {
      if (response.statusCode() == 404) {
        return Optional.empty();
      }
      if (response.statusCode() != 200 && response.statusCode() != 206) {
        throw new IOException("Cannot read " + file + ": HTTP " + response.statusCode());
      }
      return Optional.of(body.readNBytes(max));
    }
  }

  /**
   * Uploads {@code length} bytes from {@code body} as {@code file}, replacing it.
   *
   * @throws IOException naming the file when the server refuses or the upload breaks
   */
  public void upload(DatastorePath file, HttpRequest.BodyPublisher body) throws IOException {
    HttpRequest request =
        authenticate
            .apply(
                HttpRequest.newBuilder(uriOf(file))
                    .header("Content-Type", "application/octet-stream"))
            .PUT(body)
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("Upload of " + file + " was interrupted");
    } catch (IOException e) {
      throw new IOException("Cannot upload " + file + ": " + e.getMessage(), e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new IOException("Cannot upload " + file + ": HTTP " + response.statusCode());
    }
  }

  private HttpResponse<InputStream> send(HttpRequest request, DatastorePath file, long position)
      throws IOException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(
          "Read of " + file + " at offset " + position + " was interrupted");
    } catch (IOException e) {
      throw new IOException(
          "Cannot read " + file + " at offset " + position + ": " + e.getMessage(), e);
    }
  }

  private static String describe(VmdkDescriptor descriptor) {
    if (descriptor.extents().isEmpty()) {
      return "no extents";
    }
    StringBuilder text = new StringBuilder();
    for (VmdkDescriptor.Extent extent : descriptor.extents()) {
      if (!text.isEmpty()) {
        text.append(", ");
      }
      text.append(extent.type()).append(' ').append(extent.fileName());
    }
    return text.toString();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
