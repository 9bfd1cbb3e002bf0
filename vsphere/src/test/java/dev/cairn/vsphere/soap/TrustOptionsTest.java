package dev.cairn.vsphere.soap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS trust against a local HTTPS endpoint with a self-signed certificate made by keytool. */
class TrustOptionsTest {
  @TempDir static Path directory;
  static CannedVimServer server;
  static String thumbprint; // colon-separated upper-case hex

  @BeforeAll
  static void start() throws Exception {
    Path keystore = directory.resolve("vc.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "vc",
                "-keyalg",
                "EC",
                "-dname",
                "CN=vc.test",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes());
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, "changeit".toCharArray());
    }
    thumbprint = TrustOptions.thumbprintOf((X509Certificate) store.getCertificate("vc"));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), null, null);
    server = CannedVimServer.startHttps(tls);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static SoapTransport open(TrustOptions trust, List<String> warnings) throws IOException {
    SoapTransport transport =
        SoapTransport.open(server.url(), trust, SoapOptions.defaults(), warnings::add);
    transport.call(
        "RetrieveServiceContent",
        new ManagedObjectReference("ServiceInstance", "ServiceInstance"),
        "<RetrieveServiceContent xmlns=\"urn:vim25\"/>",
        java.time.Duration.ZERO);
    return transport;
  }

  @Test
  void thePinnedThumbprintIsTrustedInAnyNotation() throws IOException {
    for (String notation :
        List.of(
            thumbprint,
            thumbprint.toLowerCase(Locale.ROOT),
            thumbprint.replace(":", ""),
            thumbprint.replace(":", "").toLowerCase(Locale.ROOT))) {
      List<String> warnings = new ArrayList<>();
      open(new TrustOptions.PinnedThumbprint(notation), warnings);
      assertThat(warnings).isEmpty();
    }
  }

  @Test
  void anotherThumbprintIsRefusedNamingTheHostAndBoth() {
    String other = HexFormat.ofDelimiter(":").withUpperCase().formatHex(new byte[32]);
    assertThatThrownBy(() -> open(new TrustOptions.PinnedThumbprint(other), new ArrayList<>()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot trust 127.0.0.1:"
                + server.port()
                + ": its certificate's SHA-256 thumbprint is "
                + thumbprint
                + ", not the expected "
                + other);
  }

  @Test
  void theSystemStoreRefusesASelfSignedCertificate() {
    assertThatThrownBy(() -> open(new TrustOptions.SystemTrust(), new ArrayList<>()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("TLS handshake failed")
        .hasMessageContaining("--thumbprint")
        .message()
        .doesNotContain("\n");
  }

  @Test
  void insecureConnectsAndWarns() throws IOException {
    List<String> warnings = new ArrayList<>();
    open(new TrustOptions.Insecure(), warnings);
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("Not verifying the certificate of 127.0.0.1:" + server.port(), "--insecure");
  }

  @Test
  void aThumbprintMustBe32BytesOfHex() {
    assertThatThrownBy(() -> new TrustOptions.PinnedThumbprint("AB:CD"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a SHA-256 thumbprint is 64 hex digits (colons allowed), not AB:CD");
    assertThatThrownBy(() -> new TrustOptions.PinnedThumbprint("zz".repeat(32)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
