package dev.cairn.vsphere.restore;

import dev.cairn.vsphere.soap.SoapTransport;
import dev.cairn.vsphere.vim.NfcLease;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Uploads one disk to its device URL of an import lease: an HTTP POST of a stream-optimised VMDK
 * ({@code application/x-vnd.vmware-streamVmdk}, as vSphere's own clients send disks), streamed as
 * it is made, so memory stays bounded whatever the disk's size.
 *
 * <p>A device URL whose host is {@code *} means the server the session talks to: the upload then
 * goes there with the session's cookie and TLS trust. Any other host (an ESXi host named by
 * vCenter) gets the same TLS trust and no cookie: the lease's URL is its own credential, and the
 * vCenter session is not handed to another server.
 *
 * <p>The stream's length is known only at its end, so it is sent chunked. A server that answers 411
 * Length Required gets the stream again, first written to a temporary file (deleted after) so that
 * its length goes with it; later disks of the same restore are then spooled straight away.
 */
final class LeaseUpload {
  static final String CONTENT_TYPE = "application/x-vnd.vmware-streamVmdk";
  private static final int PIPE_BYTES = 1 << 20;

  /** Writes the VMDK stream; runs on its own thread while the upload reads. */
  @FunctionalInterface
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  private final SoapTransport transport;
  private final java.nio.file.Path spoolDirectory;
  private final java.util.function.Consumer<String> warnings;
  private boolean lengthRequired;

  LeaseUpload(
      SoapTransport transport,
      java.nio.file.Path spoolDirectory,
      java.util.function.Consumer<String> warnings) {
    this.transport = transport;
    this.spoolDirectory = spoolDirectory;
    this.warnings = warnings;
  }

  /** The URL to send to: {@code *} replaced by the session's server. */
  URI target(NfcLease.DeviceUrl device) throws IOException {
    String url = device.url();
    URI server = transport.server();
    try {
      if (url.contains("://*/") || url.contains("://*:")) {
        String rest = url.substring(url.indexOf("://*") + 4);
        if (rest.startsWith(":")) {
          rest = rest.substring(rest.indexOf('/'));
        }
        return URI.create(server.getScheme() + "://" + server.getRawAuthority() + rest);
      }
      return URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "Cannot upload to device URL " + url + " of the lease: " + e.getMessage(), e);
    }
  }

  /**
   * Sends {@code body} to {@code device}'s URL.
   *
   * @param label what is uploaded, for messages ("disk 0")
   * @throws IOException naming the disk and the cause: the body's own failure (such as a damaged
   *     chunk) before a transport failure it caused
   */
  void send(NfcLease.DeviceUrl device, String label, Body body) throws IOException {
    URI uri = target(device);
    if (lengthRequired) {
      sendSpooled(uri, label, body);
      return;
    }
    HttpResponse<String> response = sendStreamed(uri, label, body);
    if (response.statusCode() == 411) {
      lengthRequired = true;
      warnings.accept(
          "The server at "
              + uri.getRawAuthority()
              + " wants each disk's length before its bytes: disks are written to "
              + spoolDirectory
              + " first, then sent");
      sendSpooled(uri, label, body);
      return;
    }
    requireSuccess(response, label, uri);
  }

  private void sendSpooled(URI uri, String label, Body body) throws IOException {
    java.nio.file.Path spooled =
        java.nio.file.Files.createTempFile(spoolDirectory, "cairn-upload-", ".vmdk");
    try {
      try (OutputStream out =
          new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(spooled), 1 << 20)) {
        body.writeTo(out);
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .header("Content-Type", CONTENT_TYPE)
              .POST(HttpRequest.BodyPublishers.ofFile(spooled));
      if (sameServer(uri)) {
        request = transport.authenticate(request);
      }
      HttpResponse<String> response;
      try {
        response =
            transport
                .httpClient()
                .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Upload of " + label + " to " + uri + " interrupted");
      } catch (IOException e) {
        throw failure(label, uri, null, e);
      }
      requireSuccess(response, label, uri);
    } finally {
      java.nio.file.Files.deleteIfExists(spooled);
    }
  }

  private boolean sameServer(URI uri) {
    return uri.getRawAuthority().equals(transport.server().getRawAuthority());
  }

  private HttpResponse<String> sendStreamed(URI uri, String label, Body body) throws IOException {
    boolean sameServer = uri.getRawAuthority().equals(transport.server().getRawAuthority());
    PipedInputStream in = new PipedInputStream(PIPE_BYTES);
    PipedOutputStream out = new PipedOutputStream(in);
    AtomicReference<Throwable> bodyFailure = new AtomicReference<>();
    Thread writer =
        Thread.ofVirtual()
            .name("cairn-lease-upload")
            .start(
                () -> {
                  try (out) {
                    body.writeTo(out);
                  } catch (Throwable e) {
                    bodyFailure.set(e);
                  }
                });
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .header("Content-Type", CONTENT_TYPE)
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> in));
    if (sameServer) {
      request = transport.authenticate(request);
    }
    HttpResponse<String> response;
    try {
      response =
          transport
              .httpClient()
              .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Upload of " + label + " to " + uri + " interrupted");
    } catch (IOException e) {
      throw failure(label, uri, bodyFailure(writer, in, bodyFailure), e);
    } finally {
      // Unblocks the writer when the server stopped reading early.
      in.close();
    }
    Throwable failed = bodyFailure(writer, in, bodyFailure);
    if (failed != null && response.statusCode() != 411) {
      throw failure(label, uri, failed, null);
    }
    return response;
  }

  private static void requireSuccess(HttpResponse<String> response, String label, URI uri)
      throws IOException {
    if (response.statusCode() / 100 != 2) {
      String reason = response.body().strip().replaceAll("\\s+", " ");
      throw new IOException(
          "Cannot upload "
              + label
              + " to "
              + uri
              + ": HTTP "
              + response.statusCode()
              + (reason.isEmpty()
                  ? ""
                  : " " + reason.substring(0, Math.min(200, reason.length()))));
    }
  }

  private static Throwable bodyFailure(
      Thread writer, PipedInputStream in, AtomicReference<Throwable> failure) throws IOException {
    in.close();
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while the upload's writer stopped");
    }
    Throwable failed = failure.get();
    // A write into the pipe the upload closed is the consequence, not the cause.
    return failed instanceof IOException io
            && io.getMessage() != null
            && (io.getMessage().contains("Pipe closed")
                || io.getMessage().contains("Read end dead")
                || io.getMessage().contains("Pipe broken"))
        ? null
        : failed;
  }

  private static IOException failure(String label, URI uri, Throwable body, IOException transport) {
    if (body instanceof IOException io) {
      return io;
    }
    if (body != null) {
      return new IOException("Cannot make " + label + " for upload: " + body, body);
    }
    String cause =
        transport.getMessage() == null
            ? transport.getClass().getSimpleName()
            : transport.getMessage();
    return new IOException("Cannot upload " + label + " to " + uri + ": " + cause, transport);
  }
}
