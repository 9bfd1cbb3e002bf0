package dev.cairn.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class MasterKeyTest {

  @Test
  void generatedKeysAreSixtyFourRandomBytes() {
    SecureRandom random = new SecureRandom();
    byte[] first = MasterKey.generate(random).toBytes();
    byte[] second = MasterKey.generate(random).toBytes();

    assertThat(first).hasSize(MasterKey.LENGTH);
    assertThat(first).isNotEqualTo(second).isNotEqualTo(new byte[MasterKey.LENGTH]);
  }

  @Test
  void rejectsMaterialOfAnotherLength() {
    assertThatThrownBy(() -> MasterKey.fromBytes(new byte[32]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MasterKey.fromBytes(new byte[65]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keepsItsOwnCopyOfTheMaterialAndHandsOutCopies() {
    byte[] material = new byte[MasterKey.LENGTH];
    material[0] = 7;
    MasterKey key = MasterKey.fromBytes(material);

    material[0] = 9;
    key.toBytes()[0] = 11;

    assertThat(key.toBytes()[0]).isEqualTo((byte) 7);
  }

  @Test
  void destroyOverwritesTheMaterial() {
    byte[] material = new byte[MasterKey.LENGTH];
    java.util.Arrays.fill(material, (byte) 5);
    MasterKey key = MasterKey.fromBytes(material);

    key.destroy();

    assertThat(key.toBytes()).isEqualTo(new byte[MasterKey.LENGTH]);
  }

  @Test
  void toStringRevealsNothing() {
    byte[] material = new byte[MasterKey.LENGTH];
    java.util.Arrays.fill(material, (byte) 0xab);

    assertThat(MasterKey.fromBytes(material).toString())
        .doesNotContainIgnoringCase("ab")
        .contains("hidden");
  }
}
