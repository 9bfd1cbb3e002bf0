package dev.cairn.benchmarks.kernels;

import java.util.SplittableRandom;

/** Shared set-up for the kernel benchmarks. */
final class Kernels {
  /** Cairn's block size. */
  static final int BLOCK = 64 * 1024;

  private Kernels() {}

  static byte[] randomBlock(SplittableRandom rnd) {
    byte[] b = new byte[BLOCK];
    rnd.nextBytes(b);
    return b;
  }
}
