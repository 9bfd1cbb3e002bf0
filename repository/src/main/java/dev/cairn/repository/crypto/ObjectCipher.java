package dev.cairn.repository.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for everything the repository stores encrypted.
 *
 * <p>Nonces are never reused by construction, not by chance: every stored object (pack, index,
 * restore point) carries 32 fresh random bytes of salt, its key is {@code HMAC-SHA-256(dataKey,
 * label || salt)}, and within one object each sealed part uses a distinct nonce (its byte offset in
 * a pack, or a fixed value for single-part objects). Two objects share a key only if their 256-bit
 * salts collide. Thread-safe: each thread has its own {@link Cipher}.
 */
public final class ObjectCipher {
  /** Bytes GCM adds to every sealed part. */
  public static final int TAG_LENGTH = 16;

  public static final int NONCE_LENGTH = 12;
  public static final int SALT_LENGTH = 32;

  private final SecretKeySpec dataKey;
  private final ThreadLocal<Cipher> ciphers =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("AES-GCM is not available in this JDK", e);
            }
          });

  public ObjectCipher(MasterKey key) {
    this.dataKey = key.dataKey();
  }

  /** The key of one object, from its label (its kind) and its random salt. */
  public SecretKey objectKey(String label, byte[] salt) {
    Mac mac = ChunkHasher.newMac(dataKey);
    mac.update(("cairn/v1/" + label).getBytes(StandardCharsets.US_ASCII));
    mac.update(salt);
    return new SecretKeySpec(mac.doFinal(), "AES");
  }

  /** A 12-byte nonce whose first four bytes are {@code domain} and last eight are {@code value}. */
  public static byte[] nonce(int domain, long value) {
    return ByteBuffer.allocate(NONCE_LENGTH).putInt(domain).putLong(value).array();
  }

  /**
   * Encrypts {@code plaintext[offset, offset+length)} into {@code output} at {@code outputOffset};
   * writes {@code length + TAG_LENGTH} bytes and returns that count.
   */
  public int seal(
      SecretKey key,
      byte[] nonce,
      byte[] associatedData,
      byte[] plaintext,
      int offset,
      int length,
      byte[] output,
      int outputOffset) {
    try {
      Cipher cipher = ciphers.get();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
      cipher.updateAAD(associatedData);
      return cipher.doFinal(plaintext, offset, length, output, outputOffset);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  public byte[] seal(SecretKey key, byte[] nonce, byte[] associatedData, byte[] plaintext) {
    byte[] output = new byte[plaintext.length + TAG_LENGTH];
    seal(key, nonce, associatedData, plaintext, 0, plaintext.length, output, 0);
    return output;
  }

  /**
   * Decrypts and authenticates; returns the plaintext.
   *
   * @throws AEADBadTagException if the data, the associated data or the key is not the one sealed
   */
  public byte[] open(
      SecretKey key, byte[] nonce, byte[] associatedData, byte[] sealed, int offset, int length)
      throws AEADBadTagException {
    if (length < TAG_LENGTH) {
      throw new AEADBadTagException("sealed data shorter than its tag");
    }
    try {
      Cipher cipher = ciphers.get();
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
      cipher.updateAAD(associatedData);
      return cipher.doFinal(sealed, offset, length);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed", e);
    }
  }
}
