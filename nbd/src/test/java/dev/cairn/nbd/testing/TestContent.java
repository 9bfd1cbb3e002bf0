package dev.cairn.nbd.testing;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded disk contents for tests: a mix of random data, zero runs and repeated bytes. */
public final class TestContent {
  private TestContent() {}

  /**
   * {@code size} bytes made of segments of 4 to 128 KiB (not aligned to anything larger than 512
   * bytes): about half random, a third zero, the rest one repeated byte.
   */
  public static byte[] mixed(int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] content = new byte[size];
    int position = 0;
    while (position < size) {
      int end = Math.min(size, position + 512 * random.nextInt(8, 257));
      int kind = random.nextInt(6);
      if (kind < 3) {
        byte[] noise = new byte[end - position];
        random.nextBytes(noise);
        System.arraycopy(noise, 0, content, position, noise.length);
      } else if (kind == 5) {
        Arrays.fill(content, position, end, (byte) random.nextInt(1, 256));
      }
      position = end;
    }
    return content;
  }

  /** {@code size} random bytes. */
  public static byte[] random(int size, long seed) {
    byte[] content = new byte[size];
    new SplittableRandom(seed).nextBytes(content);
    return content;
  }
}
