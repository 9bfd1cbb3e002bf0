package dev.cairn.benchmarks.kernels;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * AES-256-GCM of one 64 KiB block with a fresh 96-bit nonce per call (the JDK refuses to encrypt
 * twice with the same key and nonce, and so must we). One op = one block, so MiB/s = ops/s / 16.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AesGcmBenchmark {

  private static final int TAG_BITS = 128;

  private byte[] block;
  private byte[] out;
  private SecretKey key;
  private Cipher encryptor;
  private Cipher decryptor;
  private final byte[] nonce = new byte[12];
  private long counter;
  private byte[] sealed;
  private byte[] sealedNonce;

  @Setup
  public void setup() throws GeneralSecurityException {
    SplittableRandom rnd = new SplittableRandom(3);
    block = Kernels.randomBlock(rnd);
    byte[] k = new byte[32];
    rnd.nextBytes(k);
    key = new SecretKeySpec(k, "AES");
    // The first 4 nonce bytes stay a fixed random prefix; the last 8 are the call counter.
    byte[] prefix = new byte[4];
    rnd.nextBytes(prefix);
    System.arraycopy(prefix, 0, nonce, 0, 4);
    encryptor = Cipher.getInstance("AES/GCM/NoPadding");
    decryptor = Cipher.getInstance("AES/GCM/NoPadding");
    out = new byte[block.length + TAG_BITS / 8];

    sealedNonce = nextNonce();
    encryptor.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealedNonce));
    sealed = encryptor.doFinal(block);
  }

  private byte[] nextNonce() {
    ByteBuffer.wrap(nonce).putLong(4, counter++);
    return nonce.clone();
  }

  @Benchmark
  public void encrypt(Blackhole bh) throws GeneralSecurityException {
    encryptor.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nextNonce()));
    bh.consume(encryptor.doFinal(block, 0, block.length, out, 0));
    bh.consume(out);
  }

  @Benchmark
  public void decrypt(Blackhole bh) throws GeneralSecurityException {
    // Decrypting the same (nonce, ciphertext) again is allowed, and verifies the tag each time.
    decryptor.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealedNonce));
    bh.consume(decryptor.doFinal(sealed, 0, sealed.length, out, 0));
    bh.consume(out);
  }
}
