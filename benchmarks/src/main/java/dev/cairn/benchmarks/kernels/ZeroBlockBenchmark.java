package dev.cairn.benchmarks.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Is a 64 KiB block all zeros? A long-at-a-time loop against {@link Arrays#mismatch} with a shared
 * zero block. {@code content}: {@code zero} and {@code lastByte} scan the whole block (the case
 * that costs), {@code random} exits at once. One op = one block, so MiB/s = ops/s / 16.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ZeroBlockBenchmark {

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final byte[] ZEROS = new byte[Kernels.BLOCK];

  @Param({"zero", "lastByte", "random"})
  public String content;

  private byte[] block;

  @Setup
  public void setup() {
    block = new byte[Kernels.BLOCK];
    switch (content) {
      case "zero" -> {}
      case "lastByte" -> block[block.length - 1] = 1;
      case "random" -> block = Kernels.randomBlock(new SplittableRandom(4));
      default -> throw new IllegalArgumentException(content);
    }
    boolean expected = content.equals("zero");
    if (isZeroLongLoop(block) != expected || isZeroMismatch(block) != expected) {
      throw new IllegalStateException("zero detection is wrong for " + content);
    }
  }

  static boolean isZeroLongLoop(byte[] b) {
    int i = 0;
    int end = b.length & ~7;
    for (; i < end; i += 8) {
      if ((long) LONGS.get(b, i) != 0) {
        return false;
      }
    }
    for (; i < b.length; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  static boolean isZeroMismatch(byte[] b) {
    return Arrays.mismatch(b, 0, b.length, ZEROS, 0, b.length) < 0;
  }

  @Benchmark
  public boolean longLoop() {
    return isZeroLongLoop(block);
  }

  @Benchmark
  public boolean arraysMismatch() {
    return isZeroMismatch(block);
  }
}
