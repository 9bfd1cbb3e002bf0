package dev.cairn.vsphere.soap;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which server certificates a connection accepts.
 *
 * <ul>
 *   <li>{@link SystemTrust}: a chain to a CA of the JDK's trust store, for the URL's host name.
 *   <li>{@link PinnedThumbprint}: exactly the leaf certificate with that SHA-256 thumbprint, CA or
 *       not, host name or not (vCenter's own certificates are often self-signed and issued for
 *       another name); any other certificate is refused even when a CA signed it, since the user
 *       named the one to trust.
 *   <li>{@link Insecure}: anything; the connection warns.
 * </ul>
 */
public sealed interface TrustOptions
    permits TrustOptions.SystemTrust, TrustOptions.PinnedThumbprint, TrustOptions.Insecure {

  /** The TLS context for this choice. */
  SSLContext sslContext() throws GeneralSecurityException;

  /** The system trust store (the default). */
  record SystemTrust() implements TrustOptions {
    @Override
    public SSLContext sslContext() throws GeneralSecurityException {
      return SSLContext.getDefault();
    }
  }

  /**
   * Only the leaf certificate whose SHA-256 digest is {@code sha256} (64 lower-case hex digits).
   */
  record PinnedThumbprint(String sha256) implements TrustOptions {
    public PinnedThumbprint {
      sha256 = normalize(sha256);
    }

    /**
     * Accepts hex with or without colons (or spaces), in any case.
     *
     * @throws IllegalArgumentException when it is not 32 bytes of hex
     */
    public static String normalize(String thumbprint) {
      String hex = thumbprint.replaceAll("[:\\s]", "").toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            "a SHA-256 thumbprint is 64 hex digits (colons allowed), not " + thumbprint.strip());
      }
      return hex;
    }

    @Override
    public SSLContext sslContext() throws GeneralSecurityException {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new PinnedTrust(sha256)}, null);
      return context;
    }
  }

  /** Every certificate. Only for labs: the connection warns. */
  record Insecure() implements TrustOptions {
    @Override
    public SSLContext sslContext() throws GeneralSecurityException {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new PinnedTrust(null)}, null);
      return context;
    }
  }

  /** The SHA-256 thumbprint of {@code certificate} as colon-separated upper-case hex. */
  static String thumbprintOf(X509Certificate certificate) throws CertificateException {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new CertificateException("SHA-256 is not available", e);
    }
  }

  /** Formats 64 hex digits as the colon-separated upper-case form vSphere shows. */
  static String display(String sha256) {
    return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(sha256));
  }

  /**
   * Checks the leaf against a pin, or accepts everything when {@code pin} is null. Extended so the
   * JDK does not add its own host-name check on top (the pin replaces it).
   */
  final class PinnedTrust extends X509ExtendedTrustManager {
    private final String pin;

    PinnedTrust(String pin) {
      this.pin = pin;
    }

    private void check(X509Certificate[] chain, String host, int port) throws CertificateException {
      if (pin == null) {
        return;
      }
      if (chain == null || chain.length == 0) {
        throw new CertificateException("Cannot trust " + where(host, port) + ": no certificate");
      }
      String actual = thumbprintOf(chain[0]);
      if (!actual.replace(":", "").toLowerCase(Locale.ROOT).equals(pin)) {
        throw new ThumbprintMismatchException(
            "Cannot trust "
                + where(host, port)
                + ": its certificate's SHA-256 thumbprint is "
                + actual
                + ", not the expected "
                + display(pin));
      }
    }

    private static String where(String host, int port) {
      return host == null ? "the server" : port > 0 ? host + ":" + port : host;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(
          chain,
          engine == null ? null : engine.getPeerHost(),
          engine == null ? -1 : engine.getPeerPort());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(
          chain,
          socket == null ? null : socket.getInetAddress().getHostName(),
          socket == null ? -1 : socket.getPort());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain, null, -1);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("Cannot trust a client: this is a client");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("Cannot trust a client: this is a client");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("Cannot trust a client: this is a client");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** The server showed another certificate than the pinned one. */
  final class ThumbprintMismatchException extends CertificateException {
    ThumbprintMismatchException(String message) {
      super(message);
    }
  }
}
