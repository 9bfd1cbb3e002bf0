package dev.cairn.engine.backup;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters one backup accumulates from its workers, including a byte histogram sampled from changed
 * blocks for the entropy signal. Thread-safe.
 */
final class BlockStatistics {
  /** Every 61st byte of a changed block goes into the histogram: cheap, and enough to tell. */
  private static final int SAMPLE_STRIDE = 61;

  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong bytesStored = new AtomicLong();
  final AtomicLong newChunks = new AtomicLong();
  final AtomicLong changedBlocks = new AtomicLong();
  final AtomicLong zeroBlocks = new AtomicLong();
  final AtomicLong changedBytesCompressed = new AtomicLong();
  final AtomicLong changedBytesRaw = new AtomicLong();
  private final AtomicLongArray histogram = new AtomicLongArray(256);

  void sample(byte[] data, int offset, int length, long[] local) {
    for (int i = offset; i < offset + length; i += SAMPLE_STRIDE) {
      local[data[i] & 0xff]++;
    }
  }

  void mergeSample(long[] local) {
    for (int i = 0; i < 256; i++) {
      if (local[i] != 0) {
        histogram.addAndGet(i, local[i]);
      }
    }
  }

  /** Shannon entropy in bits per byte of the sampled bytes, 0 if nothing was sampled. */
  double entropy() {
    long total = 0;
    for (int i = 0; i < 256; i++) {
      total += histogram.get(i);
    }
    if (total == 0) {
      return 0;
    }
    double entropy = 0;
    for (int i = 0; i < 256; i++) {
      long count = histogram.get(i);
      if (count > 0) {
        double p = (double) count / total;
        entropy -= p * (Math.log(p) / Math.log(2));
      }
    }
    return Math.round(entropy * 1000) / 1000.0;
  }
}
