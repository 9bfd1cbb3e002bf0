package dev.cairn.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ObjectCipherTest {
  private final byte[] material = bytes(MasterKey.LENGTH, 1);
  private final ObjectCipher cipher = new ObjectCipher(MasterKey.fromBytes(material));
  private final byte[] salt = bytes(ObjectCipher.SALT_LENGTH, 2);
  private final byte[] aad = "associated".getBytes(StandardCharsets.US_ASCII);

  private static byte[] bytes(int length, long seed) {
    byte[] bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void nonceIsFourBytesOfDomainThenEightBytesOfValueBigEndian() {
    assertThat(HexFormat.of().formatHex(ObjectCipher.nonce(1, 0x0102030405060708L)))
        .isEqualTo("000000010102030405060708");
    assertThat(ObjectCipher.nonce(0, 37)).hasSize(ObjectCipher.NONCE_LENGTH);
  }

  @Test
  void objectKeyIsHmacOfLabelAndSaltUnderTheFirst32BytesOfTheMasterKey() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Arrays.copyOf(material, 32), "HmacSHA256"));
    mac.update("cairn/v1/pack".getBytes(StandardCharsets.US_ASCII));
    byte[] expected = mac.doFinal(salt);

    SecretKey key = cipher.objectKey("pack", salt);

    assertThat(key.getEncoded()).isEqualTo(expected);
    assertThat(key.getAlgorithm()).isEqualTo("AES");
  }

  @Test
  void objectKeysDifferByLabelAndBySalt() {
    byte[] otherSalt = salt.clone();
    otherSalt[31] ^= 1;

    byte[] key = cipher.objectKey("CRNI", salt).getEncoded();

    assertThat(cipher.objectKey("CRNM", salt).getEncoded()).isNotEqualTo(key);
    assertThat(cipher.objectKey("CRNI", otherSalt).getEncoded()).isNotEqualTo(key);
    assertThat(cipher.objectKey("CRNI", salt.clone()).getEncoded()).isEqualTo(key);
  }

  @Test
  void sealThenOpenRoundTripsAndAddsASixteenByteTag() throws Exception {
    SecretKey key = cipher.objectKey("pack", salt);
    for (int length : new int[] {0, 1, 15, 16, 17, 4096, 65536}) {
      byte[] plaintext = bytes(length, length);

      byte[] sealed = cipher.seal(key, ObjectCipher.nonce(0, length), aad, plaintext);

      assertThat(sealed).hasSize(length + ObjectCipher.TAG_LENGTH);
      assertThat(cipher.open(key, ObjectCipher.nonce(0, length), aad, sealed, 0, sealed.length))
          .isEqualTo(plaintext);
    }
  }

  @Test
  void sealedDataIsStandardAesGcm() throws Exception {
    SecretKey key = cipher.objectKey("pack", salt);
    byte[] plaintext = bytes(100, 3);
    byte[] nonce = ObjectCipher.nonce(0, 37);

    byte[] sealed = cipher.seal(key, nonce, aad, plaintext);

    Cipher reference = Cipher.getInstance("AES/GCM/NoPadding");
    reference.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
    reference.updateAAD(aad);
    assertThat(reference.doFinal(sealed)).isEqualTo(plaintext);
  }

  @Test
  void sealWritesIntoTheOutputAtTheGivenOffsetAndOpenReadsFromOne() throws Exception {
    SecretKey key = cipher.objectKey("pack", salt);
    byte[] plaintext = bytes(50, 4);
    byte[] output = new byte[10 + 50 + ObjectCipher.TAG_LENGTH];

    int written = cipher.seal(key, ObjectCipher.nonce(0, 10), aad, bytes(60, 4), 0, 50, output, 10);

    assertThat(written).isEqualTo(50 + ObjectCipher.TAG_LENGTH);
    assertThat(Arrays.copyOf(output, 10)).isEqualTo(new byte[10]);
    assertThat(cipher.open(key, ObjectCipher.nonce(0, 10), aad, output, 10, written))
        .isEqualTo(plaintext);
  }

  @Test
  void openFailsAuthenticationForAnotherNonceAadKeyOrAnyFlippedBit() {
    SecretKey key = cipher.objectKey("pack", salt);
    byte[] sealed = cipher.seal(key, ObjectCipher.nonce(0, 5), aad, bytes(64, 5));

    assertThatThrownBy(
            () -> cipher.open(key, ObjectCipher.nonce(0, 6), aad, sealed, 0, sealed.length))
        .isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(
            () -> cipher.open(key, ObjectCipher.nonce(1, 5), aad, sealed, 0, sealed.length))
        .isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(
            () ->
                cipher.open(
                    key, ObjectCipher.nonce(0, 5), "other".getBytes(), sealed, 0, sealed.length))
        .isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(
            () ->
                cipher.open(
                    cipher.objectKey("CRNI", salt),
                    ObjectCipher.nonce(0, 5),
                    aad,
                    sealed,
                    0,
                    sealed.length))
        .isInstanceOf(AEADBadTagException.class);
    for (int bit = 0; bit < sealed.length * 8; bit += 7) {
      byte[] flipped = sealed.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(
              () -> cipher.open(key, ObjectCipher.nonce(0, 5), aad, flipped, 0, flipped.length))
          .as("bit %d", bit)
          .isInstanceOf(AEADBadTagException.class);
    }
  }

  @Test
  void openRejectsDataShorterThanATagAsAnAuthenticationFailure() {
    SecretKey key = cipher.objectKey("pack", salt);

    assertThatThrownBy(() -> cipher.open(key, ObjectCipher.nonce(0, 0), aad, new byte[15], 0, 15))
        .isInstanceOf(AEADBadTagException.class);
  }
}
