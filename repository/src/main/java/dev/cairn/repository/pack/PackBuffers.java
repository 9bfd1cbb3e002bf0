package dev.cairn.repository.pack;

import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A bounded set of pack-sized buffers shared by the writers and uploads of one session. Taking a
 * buffer blocks while all of them are in use (a pack being filled or being uploaded), which is what
 * bounds a backup's memory whatever the disk size: {@code count x size} bytes at most. Buffers are
 * allocated on first need. Thread-safe.
 */
public final class PackBuffers {
  private final int size;
  private final int count;
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();
  private int allocated;

  public PackBuffers(int size, int count) {
    if (size < 1 || count < 1) {
      throw new IllegalArgumentException("Pack buffers need a positive size and count");
    }
    this.size = size;
    this.count = count;
  }

  /** Buffers that never block: as many as asked for, for tests and single packs. */
  public static PackBuffers unbounded(int size) {
    return new PackBuffers(size, Integer.MAX_VALUE);
  }

  /** A free buffer, waiting until one is given back if all are in use. */
  public synchronized byte[] take() throws InterruptedIOException {
    while (free.isEmpty() && allocated >= count) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Interrupted while waiting for a pack buffer");
      }
    }
    if (!free.isEmpty()) {
      return free.pop();
    }
    allocated++;
    return new byte[size];
  }

  /** Returns a buffer taken earlier (possibly grown) for reuse. */
  public synchronized void give(byte[] buffer) {
    free.push(buffer);
    notifyAll();
  }
}
