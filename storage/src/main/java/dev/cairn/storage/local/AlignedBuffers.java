package dev.cairn.storage.local;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 1 MiB direct buffers aligned to 64 KiB (any O_DIRECT alignment a file system asks for), through
 * which {@link DirectFileWriter} passes data that is not itself aligned. A few are kept for the
 * next caller; memory beyond that is returned to the JVM.
 */
final class AlignedBuffers {
  static final int SIZE = 1 << 20;

  /** The largest alignment the buffers satisfy. */
  static final int ALIGNMENT = 1 << 16;

  private static final int MAXIMUM_POOLED = 4;
  private static final ConcurrentLinkedQueue<ByteBuffer> POOL = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger POOLED = new AtomicInteger();

  private AlignedBuffers() {}

  /** A buffer of {@link #SIZE} bytes, cleared; give it back when done. */
  static ByteBuffer take() {
    ByteBuffer pooled = POOL.poll();
    if (pooled != null) {
      POOLED.decrementAndGet();
      return pooled.clear();
    }
    return ByteBuffer.allocateDirect(SIZE + ALIGNMENT).alignedSlice(ALIGNMENT).limit(SIZE).slice();
  }

  static void giveBack(ByteBuffer buffer) {
    if (POOLED.incrementAndGet() <= MAXIMUM_POOLED) {
      POOL.add(buffer);
    } else {
      POOLED.decrementAndGet();
    }
  }
}
