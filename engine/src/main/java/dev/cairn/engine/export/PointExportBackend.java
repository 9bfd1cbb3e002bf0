package dev.cairn.engine.export;

import dev.cairn.engine.restore.DiskReader;
import dev.cairn.nbd.Extent;
import dev.cairn.nbd.server.ExportBackend;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One disk of a restore point as a read-only NBD export. Reads are served from the repository on
 * demand and every chunk is verified, so a damaged chunk fails the read (an NBD EIO error) rather
 * than returning wrong data. Holes are reported through base:allocation so clients skip them.
 * Thread-safe: a request borrows one of a few {@link DiskReader}s (each caches the map pages and
 * the block it read last), so up to {@value #READERS} requests run in parallel.
 */
public final class PointExportBackend implements ExportBackend {
  private static final int FLAG_HOLE = 1;
  private static final int FLAG_ZERO = 2;

  private final Repository repository;
  private final RestorePoint point;
  private final int diskIndex;
  private final DiskImage disk;
  private static final int READERS = 8;

  private final java.util.concurrent.BlockingQueue<DiskReader> idle =
      new java.util.concurrent.LinkedBlockingQueue<>();
  private final java.util.concurrent.Semaphore permits =
      new java.util.concurrent.Semaphore(READERS);

  /**
   * @throws IOException naming the point and disk if the disk does not exist or its map cannot be
   *     read
   */
  public PointExportBackend(Repository repository, RestorePoint point, int diskIndex)
      throws IOException {
    this.repository = repository;
    this.point = point;
    this.diskIndex = diskIndex;
    DiskReader first = new DiskReader(repository, point, diskIndex); // validates the index
    this.disk = point.disks().get(diskIndex);
    idle.add(first);
  }

  /** The disk served. */
  public DiskImage disk() {
    return disk;
  }

  @Override
  public long size() {
    return disk.sizeBytes();
  }

  @Override
  public String description() {
    return "VM "
        + point.vm().name()
        + ", restore point "
        + point.shortId()
        + " of "
        + point.time()
        + ", disk "
        + diskIndex
        + " ("
        + disk.name()
        + ")";
  }

  @Override
  public boolean readOnly() {
    return true;
  }

  @Override
  public void read(long offset, ByteBuffer target) throws IOException {
    DiskReader reader = borrow();
    try {
      readInto(reader, offset, target);
    } finally {
      giveBack(reader);
    }
  }

  private void readInto(DiskReader reader, long offset, ByteBuffer target) throws IOException {
    int length = target.remaining();
    if (target.hasArray()) {
      readFully(reader, offset, target.array(), target.arrayOffset() + target.position(), length);
      target.position(target.position() + length);
    } else {
      byte[] buffer = new byte[length];
      readFully(reader, offset, buffer, 0, length);
      target.put(buffer);
    }
  }

  private void readFully(DiskReader reader, long offset, byte[] target, int at, int length)
      throws IOException {
    int read = reader.read(offset, target, at, length);
    if (read != length) {
      throw new IOException(
          "Cannot read disk "
              + diskIndex
              + " of restore point "
              + point.shortId()
              + " at offset "
              + offset
              + ": past the end");
    }
  }

  @Override
  public List<Extent> allocation(long offset, long length) throws IOException {
    DiskReader reader = borrow();
    try {
      return allocation(reader, offset, length);
    } finally {
      giveBack(reader);
    }
  }

  private List<Extent> allocation(DiskReader reader, long offset, long length) throws IOException {
    int blockSize = disk.blockSize();
    long end = Math.min(disk.sizeBytes(), offset + length);
    List<Extent> extents = new ArrayList<>();
    long at = offset;
    while (at < end) {
      boolean hole = reader.isHole(at);
      long runEnd = Math.min(end, (at / blockSize + 1) * blockSize);
      while (runEnd < end && reader.isHole(runEnd) == hole) {
        runEnd = Math.min(end, runEnd + blockSize);
      }
      extents.add(new Extent(at, runEnd - at, hole ? FLAG_HOLE | FLAG_ZERO : 0));
      at = runEnd;
    }
    return extents;
  }

  private DiskReader borrow() throws IOException {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("Interrupted while serving " + this);
    }
    DiskReader reader = idle.poll();
    if (reader != null) {
      return reader;
    }
    try {
      return new DiskReader(repository, point, diskIndex);
    } catch (IOException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  private void giveBack(DiskReader reader) {
    idle.add(reader);
    permits.release();
  }

  @Override
  public String toString() {
    return "disk " + diskIndex + " of restore point " + point.shortId() + " in " + repository;
  }
}
