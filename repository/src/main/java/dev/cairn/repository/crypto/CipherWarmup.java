package dev.cairn.repository.crypto;

import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gets the JIT to compile the AES-GCM and HMAC-SHA-256 fast paths before real data arrives.
 *
 * <p>In a fresh JVM, AES-GCM runs at about 70 MB/s until HotSpot compiles it with the AES/CLMUL
 * intrinsics, which happens only after tens of MiB (see docs/benchmarks.md): an incremental backup
 * of 80 MiB would spend most of its time there. Many small operations reach the compile thresholds
 * after about 200 ms of CPU. Cairn runs this on a spare core while Argon2id derives the key, so it
 * costs no wall time. It uses a throwaway random key and touches no real data.
 */
public final class CipherWarmup {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private CipherWarmup() {}

  /**
   * Starts the warm-up once per process on a daemon thread; returns at once. The system property
   * {@code cairn.noWarmup=true} turns it off (for measuring it).
   */
  public static void startInBackground() {
    if (!Boolean.getBoolean("cairn.noWarmup") && STARTED.compareAndSet(false, true)) {
      Thread.ofPlatform().daemon().name("cipher-warmup").start(CipherWarmup::run);
    }
  }

  private static void run() {
    try {
      byte[] key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      SecretKeySpec aes = new SecretKeySpec(key, "AES");
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      byte[] data = new byte[4096];
      byte[] sealed = new byte[data.length + 16];
      for (int i = 0; i < 6000; i++) {
        byte[] nonce = ObjectCipher.nonce(0x7761726d, i);
        cipher.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
        cipher.updateAAD(nonce);
        int length = cipher.doFinal(data, 0, data.length, sealed, 0);
        cipher.init(Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
        cipher.updateAAD(nonce);
        cipher.doFinal(sealed, 0, length, data, 0);
        mac.update(data);
        mac.doFinal();
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      // Only a warm-up: real work reports real failures.
    }
  }
}
