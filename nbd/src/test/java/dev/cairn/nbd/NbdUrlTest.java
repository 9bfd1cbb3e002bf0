package dev.cairn.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NbdUrlTest {
  @Test
  void parsesTcpUrls() {
    assertThat(NbdUrl.parse("nbd://host.example/disk0"))
        .isEqualTo(new NbdUrl(false, "host.example", 10809, Optional.empty(), "disk0"));
    assertThat(NbdUrl.parse("nbd://10.0.0.1:10810/")).isEqualTo(NbdUrl.tcp("10.0.0.1", 10810, ""));
    assertThat(NbdUrl.parse("nbd://10.0.0.1")).isEqualTo(NbdUrl.tcp("10.0.0.1", 10809, ""));
    assertThat(NbdUrl.parse("nbds://h:1/x")).isEqualTo(NbdUrl.tcp("h", 1, "x").withTls());
  }

  @Test
  void parsesIpv6Literals() {
    assertThat(NbdUrl.parse("nbd://[::1]:10900/disk")).isEqualTo(NbdUrl.tcp("::1", 10900, "disk"));
    assertThat(NbdUrl.parse("nbd://[fe80::1%25eth0]/d").host()).isEqualTo("fe80::1%eth0");
    assertThat(NbdUrl.parse("nbd://[::1]/disk").toString()).isEqualTo("nbd://[::1]/disk");
  }

  @Test
  void parsesUnixSocketUrls() {
    assertThat(NbdUrl.parse("nbd+unix:///disk?socket=/run/qemu/nbd.sock"))
        .isEqualTo(NbdUrl.unix(Path.of("/run/qemu/nbd.sock"), "disk"));
    assertThat(NbdUrl.parse("nbds+unix://?socket=relative.sock"))
        .isEqualTo(NbdUrl.unix(Path.of("relative.sock"), "").withTls());
  }

  @Test
  void percentDecodesExportNamesAndSocketPaths() {
    NbdUrl url = NbdUrl.parse("nbd+unix:///my%20disk%2F%C3%A9?socket=/tmp/a%20b.sock");
    assertThat(url.exportName()).isEqualTo("my disk/é");
    assertThat(url.socket()).contains(Path.of("/tmp/a b.sock"));
    assertThat(NbdUrl.parse("nbd://h//leading-slash").exportName()).isEqualTo("/leading-slash");
  }

  @ParameterizedTest
  @CsvSource({
    "nbd://host.example/disk0",
    "nbd://10.0.0.1:10810/",
    "nbds://[::1]:7/a%20b",
    "nbd+unix:///my%20disk?socket=/tmp/a%20b.sock",
    "nbds+unix:///?socket=/s",
    "nbd://h//x%3Fy%23z"
  })
  void canonicalFormRoundTrips(String text) {
    NbdUrl url = NbdUrl.parse(text);
    assertThat(NbdUrl.parse(url.toString())).isEqualTo(url);
    assertThat(url.toString()).isEqualTo(text);
    assertThat(url.toUri().toString()).isEqualTo(text);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "disk.qcow2                         | it has no scheme",
        "http://host/disk                   | scheme 'http' is not nbd",
        "nbd:///disk                        | it has no host",
        "nbd://host:0/disk                  | port '0' is not a number from 1 to 65535",
        "nbd://host:99999/disk              | port '99999' is not a number",
        "nbd://host:abc/disk                | port 'abc'",
        "nbd://::1/disk                     | must be in brackets",
        "nbd://[::1/disk                    | no closing ']'",
        "nbd://[nope]/disk                  | 'nope' is not an IPv6 address",
        "nbd://h/disk#frag                  | fragment",
        "nbd://h/disk?socket=/s             | socket= belongs only in nbd+unix",
        "nbd://h/disk?tls-certificates=/etc | query parameter 'tls-certificates' is not supported",
        "nbd+unix:///disk                   | needs ?socket=PATH",
        "nbd+unix://host/disk?socket=/s     | has no host",
        "nbd+unix:///d?socket=/a&socket=/b  | socket= is given twice",
        "nbd://h/bad%zzescape               | invalid percent-escape",
        "nbd://h/bad%c                      | truncated percent-escape",
        "nbd://h/bad%c3%28                  | not UTF-8",
        "nbd://h/nul%00                     | no NUL",
      })
  void refusesBadUrlsNamingThem(String text, String reason) {
    assertThatThrownBy(() -> NbdUrl.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason)
        .hasMessageContaining(text.contains("%00") ? "" : "'" + text + "'");
  }

  @Test
  void neverShowsAUserOrPassword() {
    assertThatThrownBy(() -> NbdUrl.parse("nbd://admin:s3cret@host/disk"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot parse NBD URL 'nbd://***@host/disk': it has a user name, which is not"
                + " supported");
  }

  @Test
  void recognisesNbdUrls() {
    assertThat(NbdUrl.isNbdUrl("nbds+unix:///x?socket=/s")).isTrue();
    assertThat(NbdUrl.isNbdUrl("/var/lib/disk.qcow2")).isFalse();
  }
}
