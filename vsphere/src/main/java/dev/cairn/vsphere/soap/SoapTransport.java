package dev.cairn.vsphere.soap;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Posts vim25 SOAP envelopes to one server's {@code /sdk} endpoint over one JDK {@link HttpClient}
 * (HTTP/1.1, keep-alive) and keeps the {@code vmware_soap_session} cookie the server sets at login.
 *
 * <p>The {@code SOAPAction} header is {@code urn:vim25/VERSION}. The version is {@link
 * SoapOptions#apiVersion()} when given, else negotiated once at {@link #open}: the server's {@code
 * /sdk/vimServiceVersions.xml} names its current version; Cairn announces that version when it is
 * not newer than {@value #NEWEST_VERSION} (the newest it was written against), else {@value
 * #NEWEST_VERSION}, which every newer server lists among its prior versions. Without that file (old
 * or odd endpoints) it announces {@value #FALLBACK_VERSION}, as govmomi does: every vSphere release
 * Cairn supports accepts it, and Cairn writes no element newer than it.
 *
 * <p>Replies are bounded in size ({@link SoapOptions#maxReplyBytes()}) and time ({@link
 * SoapOptions#callTimeout()}); a reply that is not a SOAP envelope is a one-line {@link
 * MalformedReplyException}; a SOAP fault becomes a {@link VimFault}. Thread-safe. The cookie and
 * request bodies (which carry the password at login) never appear in messages or {@code toString}.
 */
public final class SoapTransport {
  /** The newest vim25 version whose WSDL Cairn's requests follow. */
  public static final String NEWEST_VERSION = "8.0.3.0";

  /** The version announced when the server does not say which it speaks. */
  public static final String FALLBACK_VERSION = "7.0";

  static final String COOKIE_NAME = "vmware_soap_session";
  private static final String ENVELOPE_START =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
          + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
          + " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
          + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
  private static final String ENVELOPE_END = "</soapenv:Body></soapenv:Envelope>";

  private final HttpClient client;
  private final URI endpoint;
  private final SoapOptions options;
  private final String version;
  private volatile String cookie;
  private volatile String sha1Thumbprint;

  private SoapTransport(HttpClient client, URI endpoint, SoapOptions options, String version) {
    this.client = client;
    this.endpoint = endpoint;
    this.options = options;
    this.version = version;
  }

  /**
   * Prepares calls to {@code url} ({@code https://vcenter.example/sdk}; a URL without a path gets
   * {@code /sdk}) and negotiates the API version. Warns through {@code warnings} when the URL is
   * plain {@code http} or the trust is {@link TrustOptions.Insecure}.
   *
   * @throws IOException when the URL is unusable, or the server cannot be reached or trusted
   */
  public static SoapTransport open(
      URI url, TrustOptions trust, SoapOptions options, Consumer<String> warnings)
      throws IOException {
    URI endpoint = endpointOf(url);
    String host = endpoint.getRawAuthority();
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(options.connectTimeout());
    if (endpoint.getScheme().equals("http")) {
      warnings.accept(
          "Connecting to "
              + host
              + " over plain http: the password and the session travel unencrypted");
    } else {
      if (trust instanceof TrustOptions.Insecure) {
        warnings.accept(
            "Not verifying the certificate of "
                + host
                + " (--insecure): whoever sits between can read the password");
      }
      try {
        builder.sslContext(trust.sslContext());
      } catch (GeneralSecurityException e) {
        throw new IOException("Cannot set up TLS for " + host + ": " + e.getMessage(), e);
      }
    }
    HttpClient client = builder.build();
    String version =
        options.apiVersion() != null
            ? options.apiVersion()
            : negotiateVersion(client, endpoint, options);
    return new SoapTransport(client, endpoint, options, version);
  }

  /** {@code url} with {@code /sdk} when it has no path; refuses other schemes than http(s). */
  static URI endpointOf(URI url) throws IOException {
    String scheme = url.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
        || url.getHost() == null) {
      throw new IOException(
          "Cannot use vSphere URL " + url + ": expected https://HOST/sdk (or http:// for labs)");
    }
    String path =
        url.getRawPath() == null || url.getRawPath().isEmpty() || url.getRawPath().equals("/")
            ? "/sdk"
            : url.getRawPath();
    return URI.create(
        scheme.toLowerCase(java.util.Locale.ROOT) + "://" + url.getRawAuthority() + path);
  }

  /**
   * The version to announce, from {@code vimServiceVersions.xml} beside the endpoint (see the class
   * comment); {@value #FALLBACK_VERSION} when the file is missing or unreadable.
   */
  static String negotiateVersion(HttpClient client, URI endpoint, SoapOptions options)
      throws IOException {
    URI versions = endpoint.resolve(endpoint.getRawPath() + "/vimServiceVersions.xml");
    HttpRequest request =
        HttpRequest.newBuilder(versions).timeout(options.callTimeout()).GET().build();
    HttpResponse<byte[]> response =
        send(
            client,
            request,
            options,
            "negotiate the API version with " + endpoint.getRawAuthority());
    if (response.statusCode() != 200) {
      return FALLBACK_VERSION;
    }
    try {
      XmlNode root = XmlParser.parse(response.body());
      for (XmlNode namespace : root.all("namespace")) {
        if (namespace.text("name", "").equals("urn:vim25")) {
          String current = namespace.text("version", "");
          if (current.matches("\\d+(\\.\\d+)*")) {
            return compareVersions(current, NEWEST_VERSION) > 0 ? NEWEST_VERSION : current;
          }
        }
      }
    } catch (MalformedReplyException e) {
      // Not the file we know: announce the version every supported server accepts.
    }
    return FALLBACK_VERSION;
  }

  static int compareVersions(String a, String b) {
    String[] left = a.split("\\.");
    String[] right = b.split("\\.");
    for (int i = 0; i < Math.max(left.length, right.length); i++) {
      int x = i < left.length ? Integer.parseInt(left[i]) : 0;
      int y = i < right.length ? Integer.parseInt(right[i]) : 0;
      if (x != y) {
        return Integer.compare(x, y);
      }
    }
    return 0;
  }

  /** The vim25 version in the {@code SOAPAction} header. */
  public String version() {
    return version;
  }

  /** The endpoint ({@code https://HOST/sdk}). */
  public URI endpoint() {
    return endpoint;
  }

  /** Scheme, host and port of the server, for its other interfaces ({@code /folder}, vAPI). */
  public URI server() {
    return URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority());
  }

  /** The HTTP client (its TLS trust is this transport's), for the server's other interfaces. */
  public HttpClient httpClient() {
    return client;
  }

  /** The options this transport was opened with. */
  public SoapOptions options() {
    return options;
  }

  /**
   * The SHA-1 thumbprint of the server's certificate as vSphere writes one ({@code sslThumbprint}:
   * upper-case hex pairs joined by colons), from the latest https reply; empty over plain http or
   * before the first call. VDDK (nbdkit's vddk plugin) wants this form to verify the server.
   */
  public Optional<String> sha1Thumbprint() {
    return Optional.ofNullable(sha1Thumbprint);
  }

  /** Whether a session cookie is held. */
  public boolean hasSession() {
    return cookie != null;
  }

  /** Drops the session cookie (after logout, or before logging in again). */
  public void clearSession() {
    cookie = null;
  }

  /**
   * Adds the session cookie to a request for another interface of the same server (the datastore
   * {@code /folder} interface accepts the vim25 session). Returns {@code request}.
   */
  public HttpRequest.Builder authenticate(HttpRequest.Builder request) {
    String held = cookie;
    if (held != null) {
      request.setHeader("Cookie", held);
    }
    return request;
  }

  /**
   * Calls {@code method} on {@code target} with {@code body} (from {@link XmlWriter#finish()}),
   * waiting at most the call timeout plus {@code extraWait}.
   *
   * @return the reply's {@code <methodResponse>} element
   * @throws VimFault for a SOAP fault
   * @throws MalformedReplyException for a reply that is not a SOAP envelope, or too large
   * @throws IOException when the server cannot be reached or answers with another HTTP error
   */
  public XmlNode call(String method, ManagedObjectReference target, String body, Duration extraWait)
      throws IOException {
    String action = "call " + method + " on " + target + " at " + endpoint.getRawAuthority();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(options.callTimeout().plus(extraWait))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", "urn:vim25/" + version)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    ENVELOPE_START + body + ENVELOPE_END, StandardCharsets.UTF_8));
    authenticate(request);
    HttpResponse<byte[]> response =
        send(
            client,
            request.build(),
            options.withCallTimeout(options.callTimeout().plus(extraWait)),
            action);
    keepCookie(response);
    response.sslSession().ifPresent(this::keepThumbprint);
    int status = response.statusCode();
    XmlNode envelope;
    try {
      envelope = XmlParser.parse(response.body());
    } catch (MalformedReplyException e) {
      if (status != 200) {
        throw new IOException("Cannot " + action + ": HTTP status " + status);
      }
      throw new MalformedReplyException("Cannot " + action + ": " + e.getMessage(), e);
    }
    Optional<XmlNode> first =
        envelope.name().equals("Envelope")
            ? envelope.child("Body").flatMap(b -> b.children().stream().findFirst())
            : Optional.empty();
    if (first.isEmpty()) {
      if (status != 200) {
        throw new IOException("Cannot " + action + ": HTTP status " + status);
      }
      throw new MalformedReplyException("Cannot " + action + ": the reply is not a SOAP envelope");
    }
    XmlNode reply = first.get();
    if (reply.name().equals("Fault")) {
      throw faultOf(action, reply);
    }
    if (status != 200) {
      throw new IOException("Cannot " + action + ": HTTP status " + status);
    }
    return reply;
  }

  private static VimFault faultOf(String action, XmlNode fault) {
    String reason = fault.text("faultstring", "");
    Optional<XmlNode> detail =
        fault.child("detail").flatMap(d -> d.children().stream().findFirst());
    return detail.isPresent()
        ? VimFault.of(action, detail.get(), reason)
        : VimFault.untyped(action, fault.text("faultcode", ""), reason);
  }

  private void keepCookie(HttpResponse<?> response) {
    for (String header : response.headers().allValues("Set-Cookie")) {
      String pair = header.split(";", 2)[0].strip();
      if (pair.startsWith(COOKIE_NAME + "=")) {
        cookie = pair;
      }
    }
  }

  private void keepThumbprint(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0) {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(chain[0].getEncoded());
        sha1Thumbprint = HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
      }
    } catch (SSLPeerUnverifiedException
        | CertificateEncodingException
        | NoSuchAlgorithmException e) {
      // Only the NBD transport's {thumbprint} needs it, and says so when it is missing.
    }
  }

  /** Sends with the body bounded in size and the whole exchange in time; one-line failures. */
  private static HttpResponse<byte[]> send(
      HttpClient client, HttpRequest request, SoapOptions options, String action)
      throws IOException {
    CompletableFuture<HttpResponse<byte[]>> future =
        client.sendAsync(request, BoundedBody.handler(options.maxReplyBytes()));
    try {
      // The request's own timeout covers the headers; this one the body too, so a server that
      // stops sending half-way cannot hang the caller.
      return future.get(options.callTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IOException(
          "Cannot "
              + action
              + ": no complete reply within "
              + options.callTimeout().toSeconds()
              + " s");
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("Cannot " + action + ": interrupted");
    } catch (CancellationException e) {
      throw new IOException("Cannot " + action + ": cancelled");
    } catch (ExecutionException e) {
      throw failure(action, e.getCause());
    }
  }

  private static IOException failure(String action, Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof BoundedBody.ReplyTooLargeException tooLarge) {
        return new MalformedReplyException(
            "Cannot " + action + ": the reply is larger than " + tooLarge.limit + " bytes");
      }
      if (t instanceof TrustOptions.ThumbprintMismatchException mismatch) {
        return new IOException(mismatch.getMessage(), cause);
      }
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLHandshakeException handshake) {
        return new IOException(
            "Cannot "
                + action
                + ": TLS handshake failed ("
                + oneLine(rootMessage(handshake))
                + "); give the certificate's --thumbprint to trust it",
            cause);
      }
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return new IOException("Cannot " + action + ": connection timed out", cause);
    }
    if (cause instanceof ConnectException) {
      return new IOException("Cannot " + action + ": connection refused", cause);
    }
    return new IOException("Cannot " + action + ": " + oneLine(rootMessage(cause)), cause);
  }

  private static String rootMessage(Throwable throwable) {
    Throwable root = throwable;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").strip();
  }

  @Override
  public String toString() {
    return "SoapTransport["
        + endpoint
        + ", vim25/"
        + version
        + (cookie == null ? "" : ", session")
        + "]";
  }
}
