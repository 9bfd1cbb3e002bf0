package dev.cairn.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.testing.NbdServerProcess;
import dev.cairn.nbd.testing.TestCertificates;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS against qemu-nbd with X.509 credentials made by the test. QEMU's server endpoint verifies
 * peers by default, so the client presents a certificate from the same CA.
 */
@Timeout(120)
class TlsClientTest {
  @TempDir Path dir;
  private TestCertificates certificates;
  private byte[] content;
  private NbdServerProcess server;

  @BeforeEach
  void serveWithTls() throws Exception {
    certificates = TestCertificates.create(dir.resolve("pki"), "Cairn Test CA");
    Path image = dir.resolve("disk.raw");
    content = new byte[3 << 20];
    new SplittableRandom(5).nextBytes(content);
    Files.write(image, content);
    server =
        NbdServerProcess.qemuNbd(
            dir,
            "disk",
            image,
            "-r",
            "-f",
            "raw",
            "--object",
            "tls-creds-x509,id=tls0,endpoint=server,dir=" + certificates.directory(),
            "--tls-creds",
            "tls0");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private NbdUrl tlsUrl(String export) {
    return server.url(export).withTls();
  }

  @Test
  void readsOverTlsAndListsExports() throws Exception {
    NbdClientOptions options = NbdClientOptions.defaults().withTls(certificates.clientContext());
    assertThat(tlsUrl("disk").toString()).startsWith("nbds+unix:///disk?socket=");

    try (NbdClient client = NbdClient.connect(tlsUrl("disk"), options)) {
      byte[] read = new byte[content.length];
      client.read(0, ByteBuffer.wrap(read));
      assertThat(Arrays.equals(read, content)).isTrue();
    }
    assertThat(NbdClient.listExports(tlsUrl(""), options)).containsExactly("disk");
  }

  @Test
  void aPlainConnectionIsToldToUseTls() {
    assertThatThrownBy(() -> NbdClient.connect(server.url("disk"), NbdClientOptions.defaults()))
        .isInstanceOf(NbdException.class)
        .hasMessageStartingWith("Cannot connect to nbd+unix:///disk")
        .hasMessageContaining("the server requires TLS; use an nbds:// or nbds+unix:// URL");
  }

  @Test
  void aServerCertificateFromAnotherCaIsRefused() throws Exception {
    TestCertificates other = TestCertificates.create(dir.resolve("other-pki"), "Other CA");
    NbdClientOptions options = NbdClientOptions.defaults().withTls(other.clientContext());

    assertThatThrownBy(() -> NbdClient.connect(tlsUrl("disk"), options))
        .isInstanceOf(NbdException.class)
        .hasMessageStartingWith("Cannot connect to nbds+unix:///disk")
        .hasMessageContaining("the TLS handshake failed");
  }

  @Test
  void aServerCertificateForAnotherHostIsRefused() throws Exception {
    NbdClientOptions options =
        NbdClientOptions.defaults()
            .withTls(certificates.clientContext())
            .withTlsHostname("nbd.example");

    assertThatThrownBy(() -> NbdClient.connect(tlsUrl("disk"), options))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("the TLS handshake failed");
  }

  @Test
  void tlsToAServerWithoutTlsIsRefused() throws Exception {
    Path image = dir.resolve("plain.raw");
    Files.write(image, new byte[4096]);
    try (NbdServerProcess plain =
        NbdServerProcess.qemuNbd(dir, "plain", image, "-r", "-f", "raw")) {
      NbdClientOptions options = NbdClientOptions.defaults().withTls(certificates.clientContext());
      assertThatThrownBy(() -> NbdClient.connect(plain.url("plain").withTls(), options))
          .isInstanceOf(NbdException.class)
          .hasMessageContaining("the server does not offer TLS");
    }
  }
}
