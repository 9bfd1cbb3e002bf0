package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClockSkewTest {

  @Test
  void aSkewIsSaidInWholeMinutesThenHoursThenDays() {
    assertThat(ClockSkew.amount(Duration.ofSeconds(89))).isEqualTo("1 minute");
    assertThat(ClockSkew.amount(Duration.ofMinutes(20).minusMillis(40))).isEqualTo("20 minutes");
    assertThat(ClockSkew.amount(Duration.ofMinutes(119))).isEqualTo("119 minutes");
    assertThat(ClockSkew.amount(Duration.ofMinutes(185))).isEqualTo("3 hours");
    assertThat(ClockSkew.amount(Duration.ofHours(47))).isEqualTo("47 hours");
    assertThat(ClockSkew.amount(Duration.ofDays(400).plusHours(5))).isEqualTo("400 days");
  }

  @Test
  void theDirectionIsThisMachinesClockAgainstTheServers() {
    assertThat(ClockSkew.describe(Duration.ofMinutes(-20)))
        .isEqualTo("this machine's clock is 20 minutes behind the server's");
    assertThat(ClockSkew.describe(Duration.ofHours(3)))
        .isEqualTo("this machine's clock is 3 hours ahead of the server's");
  }
}
