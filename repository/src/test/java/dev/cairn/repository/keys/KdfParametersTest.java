package dev.cairn.repository.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KdfParametersTest {

  @Test
  void defaultsAreArgon2idAtLeastAtOwaspsMinimumAndFarAboveTheTestParameters() {
    KdfParameters defaults = KdfParameters.defaults();

    assertThat(defaults.algorithm()).isEqualTo("argon2id");
    assertThat(defaults.memoryKib()).isGreaterThanOrEqualTo(46 * 1024);
    assertThat(defaults.iterations()).isGreaterThanOrEqualTo(1);
    assertThat((long) defaults.memoryKib() * defaults.iterations())
        .isGreaterThan(100L * KdfParameters.of(64, 1).memoryKib());
  }

  @Test
  void cheapParametersUseOneLane() {
    assertThat(KdfParameters.of(64, 1)).isEqualTo(new KdfParameters("argon2id", 64, 1, 1));
  }

  @ParameterizedTest
  @CsvSource({
    "argon2id, 7, 1, 1",
    "argon2id, 4194305, 1, 1",
    "argon2id, 64, 0, 1",
    "argon2id, 64, 101, 1",
    "argon2id, 64, 1, 0",
    "argon2id, 64, 1, 17",
    "scrypt, 64, 1, 1",
    "argon2i, 64, 1, 1"
  })
  void outOfRangeOrUnknownParametersAreRefused(
      String algorithm, int memoryKib, int iterations, int parallelism) {
    assertThatThrownBy(() -> new KdfParameters(algorithm, memoryKib, iterations, parallelism))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"8, 1, 1", "4194304, 100, 16"})
  void theExtremesOfTheRangesAreAccepted(int memoryKib, int iterations, int parallelism) {
    assertThat(new KdfParameters("argon2id", memoryKib, iterations, parallelism).memoryKib())
        .isEqualTo(memoryKib);
  }
}
