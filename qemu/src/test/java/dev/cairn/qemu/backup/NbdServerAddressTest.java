package dev.cairn.qemu.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NbdServerAddressTest {
  @Test
  void aUnixSocketServerGivesUnixExportUrls() {
    NbdServerAddress server = NbdServerAddress.parse("nbd+unix:///?socket=/run/nbd.sock");
    assertThat(server.socket()).contains(Path.of("/run/nbd.sock"));
    assertThat(server.urlOf("cairn-vda")).isEqualTo("nbd+unix:///cairn-vda?socket=/run/nbd.sock");
    assertThat(server.urlOf("cairn-a b/c"))
        .isEqualTo("nbd+unix:///cairn-a%20b%2Fc?socket=/run/nbd.sock");
  }

  @Test
  void aTcpServerGivesTcpExportUrls() {
    assertThat(NbdServerAddress.parse("nbd://10.0.0.5:10900/").urlOf("cairn-vda"))
        .isEqualTo("nbd://10.0.0.5:10900/cairn-vda");
    assertThat(NbdServerAddress.parse("nbd://backup-host").urlOf("x"))
        .isEqualTo("nbd://backup-host:10809/x");
  }

  @Test
  void anythingElseIsRefusedNamingIt() {
    assertThatThrownBy(() -> NbdServerAddress.parse("nbd+unix:///"))
        .hasMessage("Cannot use NBD server nbd+unix:///: a Unix socket URL needs ?socket=PATH");
    assertThatThrownBy(() -> NbdServerAddress.parse("http://x"))
        .hasMessageStartingWith("Cannot use NBD server http://x: expected");
    assertThatThrownBy(() -> NbdServerAddress.parse("nbd://host:port"))
        .hasMessage("Cannot use NBD server nbd://host:port: bad port");
  }
}
