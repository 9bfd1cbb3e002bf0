package dev.cairn.repository.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import javax.crypto.Mac;

/**
 * Computes chunk ids (keyed HMAC-SHA-256). Thread-safe: each thread gets its own {@link Mac}, whose
 * SHA-256 core uses the CPU's SHA extensions once compiled.
 */
public final class ChunkHasher {
  private final ThreadLocal<Mac> macs;

  public ChunkHasher(MasterKey key) {
    var idKey = key.idKey();
    this.macs =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(idKey);
                return mac;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
              }
            });
  }

  public ChunkId hash(byte[] data, int offset, int length) {
    Mac mac = macs.get();
    mac.update(data, offset, length);
    return ChunkId.fromBytes(mac.doFinal(), 0);
  }

  public ChunkId hash(ByteBuffer data) {
    Mac mac = macs.get();
    mac.update(data);
    return ChunkId.fromBytes(mac.doFinal(), 0);
  }

  static Mac newMac(javax.crypto.spec.SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("Invalid HMAC key", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }
}
