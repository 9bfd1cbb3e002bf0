package dev.cairn.nbd.testing;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.server.ExportBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An export held in a byte array, for tests. Its allocation is derived from the content: every
 * all-zero block of {@link #BLOCK} bytes is a hole reading as zeroes, everything else is data, so a
 * test can build any map by writing the bytes. Optionally fails every access touching a given
 * range, to exercise EIO replies. Thread-safe.
 */
public final class MemoryBackend implements ExportBackend {
  public static final int BLOCK = 4096;
  private static final byte[] ZEROES = new byte[BLOCK];

  private final byte[] data;
  private final boolean readOnly;
  private final String description;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final AtomicLong writeCalls = new AtomicLong();
  private volatile long failFrom = -1;
  private volatile long failTo = -1;
  private volatile Duration readDelay = Duration.ZERO;

  private MemoryBackend(byte[] data, boolean readOnly, String description) {
    this.data = data;
    this.readOnly = readOnly;
    this.description = description;
  }

  public static MemoryBackend readOnly(byte[] content) {
    return new MemoryBackend(content.clone(), true, "");
  }

  public static MemoryBackend writable(byte[] content) {
    return new MemoryBackend(content.clone(), false, "");
  }

  /** A read-only backend that tells clients {@code description} when they list exports. */
  public static MemoryBackend readOnly(byte[] content, String description) {
    return new MemoryBackend(content.clone(), true, description);
  }

  /** Makes every later access that touches {@code [from, to)} fail with an IOException. */
  public void failBetween(long from, long to) {
    failFrom = from;
    failTo = to;
  }

  /**
   * Makes every later read take {@code delay} longer, like a remote repository: concurrent callers
   * then overlap, which races in a caller need to show.
   */
  public void delayReads(Duration delay) {
    readDelay = delay;
  }

  /** A copy of the current content. */
  public byte[] content() {
    lock.readLock().lock();
    try {
      return data.clone();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How often {@link #write} or {@link #writeZeroes} was called. */
  public long writeCalls() {
    return writeCalls.get();
  }

  @Override
  public long size() {
    return data.length;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void read(long offset, ByteBuffer target) throws IOException {
    check(offset, target.remaining());
    if (!readDelay.isZero()) {
      try {
        Thread.sleep(readDelay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Cannot read the memory backend: interrupted", e);
      }
    }
    lock.readLock().lock();
    try {
      target.put(data, (int) offset, target.remaining());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void write(long offset, ByteBuffer source) throws IOException {
    writeCalls.incrementAndGet();
    refuseWhenReadOnly();
    check(offset, source.remaining());
    lock.writeLock().lock();
    try {
      source.get(data, (int) offset, source.remaining());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void writeZeroes(long offset, long length) throws IOException {
    writeCalls.incrementAndGet();
    refuseWhenReadOnly();
    check(offset, length);
    lock.writeLock().lock();
    try {
      Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public List<Extent> allocation(long offset, long length) throws IOException {
    check(offset, length);
    lock.readLock().lock();
    try {
      return allocationOf(data, offset, length);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The allocation this backend reports for {@code content}: zero blocks are holes. */
  public static List<Extent> allocationOf(byte[] content, long offset, long length) {
    List<Extent> extents = new ArrayList<>();
    long end = offset + length;
    long position = offset;
    while (position < end) {
      long blockEnd = Math.min(end, (position / BLOCK + 1) * BLOCK);
      int flags = isZero(content, position, blockEnd) ? 3 : 0;
      if (!extents.isEmpty() && extents.getLast().flags() == flags) {
        Extent last = extents.removeLast();
        extents.add(new Extent(last.offset(), blockEnd - last.offset(), flags));
      } else {
        extents.add(new Extent(position, blockEnd - position, flags));
      }
      position = blockEnd;
    }
    return extents;
  }

  private static boolean isZero(byte[] content, long from, long to) {
    int length = (int) (to - from);
    return Arrays.mismatch(content, (int) from, (int) to, ZEROES, 0, length) < 0;
  }

  private void refuseWhenReadOnly() throws IOException {
    if (readOnly) {
      throw new IOException("Cannot write to a read-only memory backend");
    }
  }

  private void check(long offset, long length) throws IOException {
    if (offset < 0 || length < 0 || offset + length > data.length) {
      throw new IllegalArgumentException(
          "Cannot access " + length + " bytes at " + offset + " of " + data.length);
    }
    if (offset < failTo && offset + length > failFrom) {
      throw new IOException("Cannot read /secret/path/disk.img: injected failure");
    }
  }
}
