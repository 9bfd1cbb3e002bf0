package dev.cairn.cli;

import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/** How commands that read or write NBD exports connect: TLS trust and timeouts. */
final class NbdOptions {
  @Option(
      names = "--tls-ca",
      paramLabel = "PEM",
      description =
          "CA certificate(s) that sign the NBD server's certificate, for nbds:// URLs"
              + " (default: the system trust store).")
  Path tlsCa;

  @Option(
      names = "--nbd-timeout",
      paramLabel = "SECONDS",
      description = "Fail an NBD request that gets no reply for this long (default 60).")
  int timeoutSeconds = 60;

  /**
   * Parses an NBD URL given on the command line.
   *
   * @throws CairnException naming the URL and what is wrong with it
   */
  static NbdUrl parse(String option, String url) throws CairnException {
    try {
      return NbdUrl.parse(url);
    } catch (IllegalArgumentException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot use " + option + " " + url + ": " + e.getMessage());
    }
  }

  NbdClientOptions clientOptions() throws IOException {
    if (timeoutSeconds <= 0) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot use --nbd-timeout " + timeoutSeconds + ": not positive");
    }
    NbdClientOptions options =
        NbdClientOptions.defaults().withIoTimeout(Duration.ofSeconds(timeoutSeconds));
    return tlsCa == null ? options : options.withTls(trusting(tlsCa));
  }

  /** A TLS context that trusts exactly the certificates in {@code pem}. */
  private static SSLContext trusting(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int count = 0;
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + count++, certificate);
      }
      if (count == 0) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT, "Cannot use --tls-ca " + pem + ": it holds no certificate");
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot use --tls-ca " + pem + ": no such file");
    } catch (GeneralSecurityException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot use --tls-ca " + pem + ": " + e.getMessage());
    }
  }
}
