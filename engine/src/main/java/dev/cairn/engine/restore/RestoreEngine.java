package dev.cairn.engine.restore;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.blockmap.BlockMapReader;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Restores a disk of a restore point to a {@link RestoreTarget} (file, block device, NBD export),
 * in parallel, verifying every chunk (see {@link ChunkReader}). Holes are skipped on a new file
 * (which stays sparse) and zeroed on targets that may hold old data. The target is flushed and
 * committed only when every block is written, so a failed restore never leaves a file that looks
 * whole.
 */
public final class RestoreEngine {
  private static final int BLOCKS_PER_BATCH = 64;

  private final Repository repository;
  private final int workerCount;
  private final ProgressListener progress;
  private final ThreadLocal<ByteBuffer> batchBuffers = new ThreadLocal<>();

  public RestoreEngine(Repository repository, int workerCount, ProgressListener progress) {
    this.repository = repository;
    this.workerCount = Math.max(1, workerCount);
    this.progress = progress;
  }

  /** What a restore wrote. */
  public record RestoreResult(String target, long sizeBytes, long bytesWritten) {}

  /**
   * Restores disk {@code diskIndex} of {@code point} to a file or block device.
   *
   * @param overwrite replace an existing regular file (never needed for a block device)
   */
  public RestoreResult restoreDisk(
      RestorePoint point, int diskIndex, Path target, boolean overwrite) throws IOException {
    DiskImage disk = diskOf(point, diskIndex);
    try (FileRestoreTarget file = FileRestoreTarget.open(target, disk.sizeBytes(), overwrite)) {
      return restoreDisk(point, diskIndex, file);
    }
  }

  /**
   * Restores disk {@code diskIndex} of {@code point} to {@code target}, then flushes and commits
   * it. The caller opens and closes the target.
   */
  public RestoreResult restoreDisk(RestorePoint point, int diskIndex, RestoreTarget target)
      throws IOException {
    DiskImage disk = diskOf(point, diskIndex);
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "restore")) {
      long written = writeDisk(disk, target);
      target.flush();
      target.commit();
      return new RestoreResult(target.description(), disk.sizeBytes(), written);
    }
  }

  /**
   * A reader through the repository's index or, if an index object is damaged, through every index
   * object that is not: one damaged index object must not stop the restore of points whose chunks
   * are listed elsewhere. Every chunk is verified against its id, so a partial index can make a
   * read fail (naming the missing chunk), never return wrong data.
   */
  static ChunkReader chunkReader(Repository repository) throws IOException {
    try {
      return repository.reader();
    } catch (DamagedObjectException e) {
      return repository.reader(repository.loadIndexTolerant(damage -> {}));
    }
  }

  static DiskImage diskOf(RestorePoint point, int diskIndex) throws CairnException {
    if (diskIndex < 0 || diskIndex >= point.disks().size()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore disk "
              + diskIndex
              + " of restore point "
              + point.shortId()
              + ": it has "
              + point.disks().size()
              + " disk(s), numbered from 0");
    }
    return point.disks().get(diskIndex);
  }

  private long writeDisk(DiskImage disk, RestoreTarget target) throws IOException {
    ChunkReader reader = chunkReader(repository);
    BatchReader batches = new BatchReader(reader);
    BlockMapReader map =
        new BlockMapReader(
            new PointPages(reader),
            disk.mapRoot() == null ? null : ChunkId.fromHex(disk.mapRoot()),
            disk.blockCount());
    ProgressCounter counter = new ProgressCounter(progress, "restore", disk.sizeBytes());
    ExecutorService workers =
        Executors.newFixedThreadPool(
            workerCount, Thread.ofPlatform().name("restore-worker-", 0).daemon().factory());
    long written = 0;
    try {
      ArrayDeque<Future<Long>> inFlight = new ArrayDeque<>();
      long leafCount = map.leafCount();
      for (long leaf = 0; leaf < leafCount; leaf++) {
        long firstBlock = leaf * BlockMapPage.FANOUT;
        int slots = (int) Math.min(BlockMapPage.FANOUT, disk.blockCount() - firstBlock);
        if (map.leafId(leaf) == null) { // a whole leaf of holes: one call, no batches
          long position = firstBlock * disk.blockSize();
          long length = Math.min((long) slots * disk.blockSize(), disk.sizeBytes() - position);
          if (target.holesNeedZeroing()) {
            target.zero(position, length);
          }
          counter.add(length);
          continue;
        }
        ChunkId[] entries = map.leaf(leaf);
        for (int start = 0; start < slots; start += BLOCKS_PER_BATCH) {
          int end = Math.min(slots, start + BLOCKS_PER_BATCH);
          ChunkId[] batch = Arrays.copyOfRange(entries, start, end);
          long batchFirstBlock = firstBlock + start;
          inFlight.add(
              workers.submit(
                  () -> writeBatch(batches, batch, batchFirstBlock, disk, target, counter)));
          while (inFlight.size() > workerCount * 2) {
            written += await(inFlight.poll());
          }
        }
      }
      while (!inFlight.isEmpty()) {
        written += await(inFlight.poll());
      }
    } finally {
      workers.shutdownNow();
      awaitQuietly(workers);
    }
    return written;
  }

  /**
   * Reads a batch of blocks and writes each run of consecutive data blocks with one write from a
   * per-worker direct buffer: one copy and one call per run instead of two copies and a call per 64
   * KiB block. Runs of holes are zeroed with one call when the target needs it.
   */
  private long writeBatch(
      BatchReader batches,
      ChunkId[] ids,
      long firstBlock,
      DiskImage disk,
      RestoreTarget target,
      ProgressCounter counter)
      throws IOException {
    int blockSize = disk.blockSize();
    ByteBuffer buffer = batchBuffer(blockSize);
    int[] lengths = new int[ids.length];
    batches.read(
        ids,
        (slot, data) -> {
          buffer.put(slot * blockSize, data);
          lengths[slot] = data.length;
        });
    long written = 0;
    int slot = 0;
    while (slot < ids.length) {
      int start = slot;
      boolean hole = ids[slot] == null;
      long runLength = 0;
      while (slot < ids.length && (ids[slot] == null) == hole) {
        runLength +=
            hole
                ? Math.min(blockSize, disk.sizeBytes() - (firstBlock + slot) * blockSize)
                : lengths[slot];
        slot++;
      }
      long position = (firstBlock + start) * blockSize;
      if (!hole) {
        target.write(position, buffer.slice(start * blockSize, (int) runLength));
        written += runLength;
      } else if (target.holesNeedZeroing()) {
        target.zero(position, runLength);
      }
    }
    counter.add(Math.min((long) ids.length * blockSize, disk.sizeBytes() - firstBlock * blockSize));
    return written;
  }

  private ByteBuffer batchBuffer(int blockSize) {
    ByteBuffer buffer = batchBuffers.get();
    if (buffer == null || buffer.capacity() < BLOCKS_PER_BATCH * blockSize) {
      // Page-aligned, so that a file target can write it with O_DIRECT.
      buffer = ByteBuffer.allocateDirect(BLOCKS_PER_BATCH * blockSize + 4096).alignedSlice(4096);
      batchBuffers.set(buffer);
    }
    return buffer;
  }

  private static long await(Future<Long> future) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted during restore");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new CairnException(ErrorCode.INTERNAL, "Restore failed: " + e.getCause(), e.getCause());
    }
  }

  /** Waits for workers to stop, so none writes after the restore has failed and cleaned up. */
  private static void awaitQuietly(ExecutorService workers) {
    try {
      workers.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
