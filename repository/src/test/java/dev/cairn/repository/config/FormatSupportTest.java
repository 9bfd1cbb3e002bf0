package dev.cairn.repository.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.repository.CairnException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FormatSupportTest {
  private static final String LOCATION = "file:/backups/repo";

  private static RepositoryConfig config(
      String format, int version, List<String> required, int blockSize) {
    return new RepositoryConfig(
        format,
        version,
        "0123456789abcdef0123456789abcdef",
        required,
        List.of(),
        blockSize,
        FormatSupport.DEFAULT_PACK_TARGET_SIZE,
        Instant.EPOCH);
  }

  @Test
  void theConfigThatInitWritesIsSupported() {
    assertThatCode(
            () ->
                FormatSupport.requireSupported(
                    config("cairn-repository", 1, List.of(), 65536), LOCATION))
        .doesNotThrowAnyException();
  }

  @Test
  void missingFeatureListsMeanNoFeatures() {
    assertThatCode(
            () ->
                FormatSupport.requireSupported(
                    config("cairn-repository", 1, null, 65536), LOCATION))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(ints = {4096, 8192, 65536, 16 * 1024 * 1024})
  void everyPowerOfTwoBlockSizeFrom4KiBTo16MiBIsSupported(int blockSize) {
    assertThatCode(
            () ->
                FormatSupport.requireSupported(
                    config("cairn-repository", 1, List.of(), blockSize), LOCATION))
        .doesNotThrowAnyException();
  }

  @Test
  void refusalsNameTheLocation() {
    assertThatThrownBy(
            () ->
                FormatSupport.requireSupported(
                    config("cairn-repository", 3, List.of(), 65536), LOCATION))
        .isInstanceOf(CairnException.class)
        .hasMessageStartingWith("Cannot open repository " + LOCATION + ": ")
        .hasMessageContaining("version 3");
    assertThatThrownBy(
            () -> FormatSupport.requireSupported(config(null, 1, List.of(), 65536), LOCATION))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("not a Cairn repository");
    assertThatThrownBy(
            () ->
                FormatSupport.requireSupported(
                    config("cairn-repository", 1, List.of("a", "b"), 65536), LOCATION))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("'a'");
  }
}
