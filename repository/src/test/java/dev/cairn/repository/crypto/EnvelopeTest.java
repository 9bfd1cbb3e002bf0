package dev.cairn.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeTest {
  private static final String NAME = "index/" + "ab".repeat(32);
  private final Envelope envelope = envelopeOf(key(1));

  private static MasterKey key(long seed) {
    byte[] material = new byte[MasterKey.LENGTH];
    new SplittableRandom(seed).nextBytes(material);
    return MasterKey.fromBytes(material);
  }

  private static Envelope envelopeOf(MasterKey key) {
    return new Envelope(new ObjectCipher(key), new SecureRandom());
  }

  private static byte[] payload(int length, long seed) {
    byte[] bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  private static void assertDamaged(Throwable thrown, String objectName) {
    assertThat(thrown).isInstanceOf(DamagedObjectException.class);
    DamagedObjectException damage = (DamagedObjectException) thrown;
    assertThat(damage.objectName()).isEqualTo(objectName);
    assertThat(damage.code()).isEqualTo(ErrorCode.DAMAGED_DATA);
    assertThat(damage.getMessage()).contains(objectName);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 100, 4096, 1 << 20})
  void sealThenOpenRoundTrips(int length) throws Exception {
    byte[] payload = payload(length, length);

    byte[] sealed = envelope.seal("CRNI", NAME, payload);

    assertThat(envelope.open("CRNI", NAME, sealed)).isEqualTo(payload);
  }

  @Test
  void theHeaderIsMagicVersionAndSalt() {
    byte[] sealed = envelope.seal("CRNM", NAME, new byte[] {1, 2, 3});

    assertThat(new String(sealed, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("CRNM");
    assertThat(sealed[4]).isEqualTo((byte) 1);
    assertThat(Envelope.HEADER_LENGTH).isEqualTo(37);
  }

  @Test
  void thePayloadIsCompressed() {
    byte[] sealed = envelope.seal("CRNI", NAME, new byte[1 << 20]);

    assertThat(sealed.length).isLessThan(1024);
  }

  @Test
  void twoSealsOfTheSamePayloadDifferInSaltAndCiphertext() throws Exception {
    byte[] payload = payload(200, 2);

    byte[] first = envelope.seal("CRNI", NAME, payload);
    byte[] second = envelope.seal("CRNI", NAME, payload);

    assertThat(Arrays.copyOfRange(first, 5, 37)).isNotEqualTo(Arrays.copyOfRange(second, 5, 37));
    assertThat(Arrays.copyOfRange(first, 37, first.length))
        .isNotEqualTo(Arrays.copyOfRange(second, 37, second.length));
    assertThat(envelope.open("CRNI", NAME, second)).isEqualTo(payload);
  }

  @Test
  void flippingAnySingleByteIsDetectedAsDamageNamingTheObject() {
    byte[] sealed = envelope.seal("CRNI", NAME, payload(300, 3));
    SplittableRandom random = new SplittableRandom(4);

    for (int position = 0; position < sealed.length; position++) {
      byte[] damaged = sealed.clone();
      damaged[position] ^= (byte) (1 + random.nextInt(255));

      Throwable thrown = catchThrowable(() -> envelope.open("CRNI", NAME, damaged));

      assertDamaged(thrown, NAME);
    }
  }

  @Test
  void everyTruncationIsDetectedAsDamage() {
    byte[] sealed = envelope.seal("CRNI", NAME, payload(100, 5));

    for (int length = 0; length < sealed.length; length++) {
      byte[] truncated = Arrays.copyOf(sealed, length);

      assertDamaged(catchThrowable(() -> envelope.open("CRNI", NAME, truncated)), NAME);
    }
  }

  @Test
  void appendedBytesAreDetectedAsDamage() {
    byte[] sealed = envelope.seal("CRNI", NAME, payload(100, 6));

    assertDamaged(
        catchThrowable(() -> envelope.open("CRNI", NAME, Arrays.copyOf(sealed, sealed.length + 1))),
        NAME);
  }

  @Test
  void anEnvelopeStoredUnderAnotherNameIsRejected() {
    String other = "index/" + "cd".repeat(32);
    byte[] sealed = envelope.seal("CRNI", NAME, payload(100, 7));

    Throwable thrown = catchThrowable(() -> envelope.open("CRNI", other, sealed));

    assertDamaged(thrown, other);
    assertThat(thrown).hasMessageContaining("authentication failed");
  }

  @Test
  void anEnvelopeOfAnotherKindIsRejected() {
    byte[] sealed = envelope.seal("CRNI", NAME, payload(100, 8));

    assertThatThrownBy(() -> envelope.open("CRNM", NAME, sealed))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining("expected a CRNM object");
  }

  @Test
  void anEnvelopeRelabelledAsAnotherKindFailsAuthentication() {
    byte[] sealed = envelope.seal("CRNI", NAME, payload(100, 9));
    byte[] relabelled = sealed.clone();
    System.arraycopy("CRNM".getBytes(StandardCharsets.US_ASCII), 0, relabelled, 0, 4);

    assertDamaged(catchThrowable(() -> envelope.open("CRNM", NAME, relabelled)), NAME);
  }

  @Test
  void anotherMasterKeyCannotOpenIt() {
    byte[] sealed = envelope.seal("CRNI", NAME, payload(100, 10));

    assertDamaged(catchThrowable(() -> envelopeOf(key(2)).open("CRNI", NAME, sealed)), NAME);
  }

  @Test
  void aMasterKeyWithTheSameMaterialOpensIt() throws Exception {
    byte[] payload = payload(100, 11);
    byte[] sealed = envelope.seal("CRNI", NAME, payload);

    assertThat(envelopeOf(key(1)).open("CRNI", NAME, sealed)).isEqualTo(payload);
  }
}
