package dev.cairn.benchmarks.kernels;

import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
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
 * HMAC-SHA256 of one 64 KiB block (the block id: a keyed hash of the plaintext). One op = one
 * block, so MiB/s = ops/s / 16.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HmacSha256Benchmark {

  private byte[] block;
  private Mac mac;

  @Setup
  public void setup() throws GeneralSecurityException {
    block = Kernels.randomBlock(new SplittableRandom(1));
    byte[] key = new byte[32];
    new SplittableRandom(2).nextBytes(key);
    mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
  }

  @Benchmark
  public void hmacSha256(Blackhole bh) {
    bh.consume(mac.doFinal(block));
  }
}
