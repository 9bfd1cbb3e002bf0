package dev.cairn.engine.testing;

import dev.cairn.engine.source.DiskSource;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory disk: a size and a sparse map of 64 KiB blocks (absent blocks read as zeros), so a
 * disk of hundreds of MiB with a few written blocks costs a few KiB. Counts and records reads, and
 * lets a test fail a read or make the disk shrink. Thread-safe for concurrent reads.
 */
public final class FakeDisk implements DiskSource {
  public static final int BLOCK = 64 * 1024;

  /**
   * Called on each read once its range was found inside the disk, before any byte is copied; may
   * throw to simulate a failing disk, or change the disk.
   */
  @FunctionalInterface
  public interface ReadHook {
    void onRead(FakeDisk disk, long position, int length) throws IOException;
  }

  private final String name;
  private final long size;
  private final ConcurrentSkipListMap<Long, byte[]> blocks = new ConcurrentSkipListMap<>();
  private final AtomicLong readCalls = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();
  private final Set<Long> blocksRead = ConcurrentHashMap.newKeySet();
  private final AtomicLong readsEndedAfterClose = new AtomicLong();
  private volatile long currentSize;
  private volatile ReadHook hook;
  private volatile boolean closed;

  private FakeDisk(String name, long size) {
    this.name = name;
    this.size = size;
    this.currentSize = size;
  }

  /** An all-zero disk of {@code size} bytes. */
  public static FakeDisk zeros(String name, long size) {
    return new FakeDisk(name, size);
  }

  /** A disk holding {@code content}. */
  public static FakeDisk of(String name, byte[] content) {
    return new FakeDisk(name, content.length).write(0, content);
  }

  /** A disk of seeded random bytes. */
  public static FakeDisk random(String name, long size, long seed) {
    FakeDisk disk = new FakeDisk(name, size);
    SplittableRandom random = new SplittableRandom(seed);
    for (long block = 0; block * BLOCK < size; block++) {
      byte[] data = new byte[(int) Math.min(BLOCK, size - block * BLOCK)];
      random.nextBytes(data);
      disk.blocks.put(block, data);
    }
    return disk;
  }

  /** A copy with the same content under another name, with fresh counters. */
  public FakeDisk copy(String newName) {
    FakeDisk copy = new FakeDisk(newName, size);
    for (Map.Entry<Long, byte[]> entry : blocks.entrySet()) {
      copy.blocks.put(entry.getKey(), entry.getValue().clone());
    }
    return copy;
  }

  /** Overwrites bytes at {@code offset}; returns this. */
  public FakeDisk write(long offset, byte[] data) {
    if (offset < 0 || offset + data.length > size) {
      throw new IllegalArgumentException("write past the end of " + name);
    }
    long at = offset;
    int done = 0;
    while (done < data.length) {
      long block = at / BLOCK;
      int within = (int) (at % BLOCK);
      int count = Math.min(data.length - done, BLOCK - within);
      byte[] existing =
          blocks.computeIfAbsent(block, b -> new byte[(int) Math.min(BLOCK, size - b * BLOCK)]);
      System.arraycopy(data, done, existing, within, count);
      done += count;
      at += count;
    }
    return this;
  }

  /** Fills block {@code block} with seeded random bytes; returns this. */
  public FakeDisk randomBlock(long block, long seed) {
    byte[] data = new byte[(int) Math.min(BLOCK, size - block * BLOCK)];
    new SplittableRandom(seed).nextBytes(data);
    return write(block * BLOCK, data);
  }

  /** The whole content (only for disks under 2 GiB). */
  public byte[] content() {
    byte[] content = new byte[Math.toIntExact(size)];
    readInto(0, content, 0, content.length);
    return content;
  }

  public void setHook(ReadHook hook) {
    this.hook = hook;
  }

  /**
   * Makes {@link #currentSize()} report {@code newSize} (smaller or larger); reads past it fail.
   */
  public void shrinkTo(long newSize) {
    currentSize = newSize;
  }

  public long readCalls() {
    return readCalls.get();
  }

  public long bytesRead() {
    return bytesRead.get();
  }

  /** Indexes of the blocks any read touched. */
  public Set<Long> blocksRead() {
    return Set.copyOf(blocksRead);
  }

  public void resetCounters() {
    readCalls.set(0);
    bytesRead.set(0);
    blocksRead.clear();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return "fake:" + name;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long position, byte[] target, int offset, int length) throws IOException {
    if (position < 0 || length < 0 || position + length > currentSize) {
      throw new IOException(
          "Cannot read disk "
              + description()
              + " at offset "
              + position
              + ": it ends at "
              + currentSize);
    }
    try {
      ReadHook armed = hook;
      if (armed != null) {
        armed.onRead(this, position, length);
      }
      readCalls.incrementAndGet();
      bytesRead.addAndGet(length);
      for (long block = position / BLOCK; block * BLOCK < position + length; block++) {
        blocksRead.add(block);
      }
      readInto(position, target, offset, length);
    } finally {
      if (closed) {
        readsEndedAfterClose.incrementAndGet();
      }
    }
  }

  /** Copies bytes without counting them as a read by the code under test. */
  public void readInto(long position, byte[] target, int offset, int length) {
    Arrays.fill(target, offset, offset + length, (byte) 0);
    if (length == 0) {
      return;
    }
    long end = position + length;
    for (Map.Entry<Long, byte[]> entry :
        blocks.subMap(position / BLOCK, true, (end - 1) / BLOCK, true).entrySet()) {
      long blockStart = entry.getKey() * BLOCK;
      byte[] data = entry.getValue();
      long from = Math.max(position, blockStart);
      long to = Math.min(end, blockStart + data.length);
      if (from < to) {
        System.arraycopy(
            data,
            (int) (from - blockStart),
            target,
            offset + (int) (from - position),
            (int) (to - from));
      }
    }
  }

  @Override
  public long currentSize() {
    return currentSize;
  }

  /** Marks the disk closed, as its owner does once the backup returned. */
  @Override
  public void close() {
    closed = true;
  }

  /** Reads that were still running, or started, after {@link #close()}. */
  public long readsEndedAfterClose() {
    return readsEndedAfterClose.get();
  }

  @Override
  public String toString() {
    return "FakeDisk[" + name + ", " + size + " bytes, " + blocks.size() + " written blocks]";
  }
}
