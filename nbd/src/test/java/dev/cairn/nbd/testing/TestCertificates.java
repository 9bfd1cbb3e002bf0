package dev.cairn.nbd.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away X.509 certificate authority made with openssl: a CA, a server certificate for {@code
 * localhost} and a client certificate, written in the layout QEMU's {@code tls-creds-x509} reads
 * ({@code ca-cert.pem}, {@code server-cert.pem}, {@code server-key.pem}), plus a JSSE {@link
 * SSLContext} that trusts the CA and presents the client certificate.
 */
public final class TestCertificates {
  private static final char[] PASSWORD = "test".toCharArray();

  private final Path directory;

  private TestCertificates(Path directory) {
    this.directory = directory;
  }

  /** Makes a new CA named {@code name} with its server and client certificates in {@code dir}. */
  public static TestCertificates create(Path dir, String name)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    TestCertificates certificates = new TestCertificates(dir);
    certificates.key("ca-key.pem");
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        path(dir, "ca-key.pem"),
        "-subj",
        "/CN=" + name,
        "-days",
        "2",
        "-out",
        path(dir, "ca-cert.pem"),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    certificates.signed("server", "localhost", "serverAuth");
    certificates.signed("client", "cairn-client", "clientAuth");
    return certificates;
  }

  /** The directory to pass as {@code tls-creds-x509,dir=...}. */
  public Path directory() {
    return directory;
  }

  /** A TLS context that trusts this CA and presents its client certificate when asked. */
  public SSLContext clientContext() throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", certificate("ca-cert.pem"));
    TrustManagerFactory trustManagers =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trust);

    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "client",
        privateKey("client-key.pem"),
        PASSWORD,
        new Certificate[] {certificate("client-cert.pem"), certificate("ca-cert.pem")});
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD);

    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), new SecureRandom());
    return context;
  }

  private void key(String file) throws IOException, InterruptedException {
    openssl(
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        path(directory, file));
  }

  private void signed(String role, String commonName, String purpose)
      throws IOException, InterruptedException {
    key(role + "-key.pem");
    Path extensions = directory.resolve(role + ".ext");
    Files.writeString(
        extensions,
        "basicConstraints=critical,CA:FALSE\n"
            + "keyUsage=critical,digitalSignature,keyEncipherment\n"
            + "extendedKeyUsage="
            + purpose
            + "\n"
            + "subjectAltName=DNS:"
            + commonName
            + "\n");
    Path request = directory.resolve(role + ".csr");
    openssl(
        "req",
        "-new",
        "-key",
        path(directory, role + "-key.pem"),
        "-subj",
        "/CN=" + commonName,
        "-out",
        request.toString());
    openssl(
        "x509",
        "-req",
        "-in",
        request.toString(),
        "-CA",
        path(directory, "ca-cert.pem"),
        "-CAkey",
        path(directory, "ca-key.pem"),
        "-set_serial",
        String.valueOf(System.nanoTime()),
        "-days",
        "2",
        "-extfile",
        extensions.toString(),
        "-out",
        path(directory, role + "-cert.pem"));
  }

  private Certificate certificate(String file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(directory.resolve(file))) {
      return CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private PrivateKey privateKey(String file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(directory.resolve(file));
    String base64 =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    return KeyFactory.getInstance("RSA")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static String path(Path dir, String file) {
    return dir.resolve(file).toString();
  }

  private static void openssl(String... arguments) throws IOException, InterruptedException {
    String[] command = new String[arguments.length + 1];
    command[0] = "openssl";
    System.arraycopy(arguments, 0, command, 1, arguments.length);
    ExternalTool.run(command);
  }
}
