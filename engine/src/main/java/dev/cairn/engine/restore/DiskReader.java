package dev.cairn.engine.restore;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapReader;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.util.Arrays;

/**
 * Random access to one disk of a restore point: read bytes X..Y without restoring the disk. This is
 * what instant recovery (an NBD export of a restore point) serves. Every chunk is verified; the
 * last chunk read is cached because guests read in small pieces. Thread-safe (serialised); open one
 * reader per client connection for parallelism.
 */
public final class DiskReader {
  private final DiskImage disk;
  private final ChunkReader chunks;
  private final BlockMapReader map;
  private long cachedBlock = -1;
  private byte[] cachedData;

  public DiskReader(Repository repository, RestorePoint point, int diskIndex) throws IOException {
    this.disk = RestoreEngine.diskOf(point, diskIndex);
    this.chunks = RestoreEngine.chunkReader(repository);
    this.map =
        new BlockMapReader(
            new PointPages(chunks),
            disk.mapRoot() == null ? null : ChunkId.fromHex(disk.mapRoot()),
            disk.blockCount());
  }

  public long size() {
    return disk.sizeBytes();
  }

  /** Whether the block holding {@code position} is a hole (reads as zeros, stores nothing). */
  public synchronized boolean isHole(long position) throws IOException {
    return map.block(position / disk.blockSize()) == null;
  }

  /**
   * Reads up to {@code length} bytes at {@code position}; fewer only at the end of the disk.
   *
   * @return bytes read, -1 if {@code position} is at or past the end
   * @throws CairnException if a chunk is missing or damaged
   */
  public synchronized int read(long position, byte[] target, int offset, int length)
      throws IOException {
    if (position < 0 || length < 0) {
      throw new IllegalArgumentException("Negative position or length");
    }
    if (position >= disk.sizeBytes()) {
      return -1;
    }
    int total = (int) Math.min(length, disk.sizeBytes() - position);
    int done = 0;
    int blockSize = disk.blockSize();
    while (done < total) {
      long at = position + done;
      long block = at / blockSize;
      int within = (int) (at % blockSize);
      int count = Math.min(total - done, blockSize - within);
      byte[] data = block(block);
      if (data == null) {
        Arrays.fill(target, offset + done, offset + done + count, (byte) 0);
      } else {
        System.arraycopy(data, within, target, offset + done, count);
      }
      done += count;
    }
    return total;
  }

  private byte[] block(long block) throws IOException {
    if (block == cachedBlock) {
      return cachedData;
    }
    ChunkId id = map.block(block);
    byte[] data = id == null ? null : chunks.read(id);
    cachedBlock = block;
    cachedData = data;
    return data;
  }
}
