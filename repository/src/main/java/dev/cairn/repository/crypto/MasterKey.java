package dev.cairn.repository.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;

/**
 * The repository's secret: 64 random bytes made once at {@code init} and never changed. The first
 * 32 bytes are the AES-256 data key from which every object's key is derived; the last 32 bytes are
 * the HMAC-SHA-256 key that makes chunk ids. Stored only wrapped by password-derived keys.
 */
public final class MasterKey {
  public static final int LENGTH = 64;

  private final byte[] material;

  private MasterKey(byte[] material) {
    if (material.length != LENGTH) {
      throw new IllegalArgumentException("A master key has " + LENGTH + " bytes");
    }
    this.material = material.clone();
  }

  public static MasterKey generate(SecureRandom random) {
    byte[] material = new byte[LENGTH];
    random.nextBytes(material);
    return new MasterKey(material);
  }

  public static MasterKey fromBytes(byte[] material) {
    return new MasterKey(material);
  }

  /** The raw material, for wrapping into a key slot. The caller must not keep it. */
  public byte[] toBytes() {
    return material.clone();
  }

  SecretKeySpec dataKey() {
    return new SecretKeySpec(material, 0, 32, "HmacSHA256");
  }

  SecretKeySpec idKey() {
    return new SecretKeySpec(material, 32, 32, "HmacSHA256");
  }

  /** Overwrites the key material; this object must not be used afterwards. */
  public void destroy() {
    Arrays.fill(material, (byte) 0);
  }

  @Override
  public String toString() {
    return "MasterKey[hidden]";
  }
}
