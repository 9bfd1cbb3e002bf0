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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Restores a disk of a restore point to a file or block device, in parallel, verifying every chunk
 * (see {@link ChunkReader}). A file target is written under a temporary name next to it, made
 * sparse (zero blocks are never written), forced to disk and renamed into place only when complete,
 * so a failed restore never leaves a file that looks whole. A device target gets zero blocks
 * written explicitly, since it may hold old data.
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
  public record RestoreResult(Path target, long sizeBytes, long bytesWritten) {}

  /**
   * Restores disk {@code diskIndex} of {@code point} to {@code target}.
   *
   * @param overwrite replace an existing regular file (never needed for a block device)
   */
  public RestoreResult restoreDisk(
      RestorePoint point, int diskIndex, Path target, boolean overwrite) throws IOException {
    DiskImage disk = diskOf(point, diskIndex);
    boolean device = Files.exists(target) && !Files.isRegularFile(target);
    if (Files.isDirectory(target)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot restore to " + target + ": it is a directory");
    }
    if (!device && Files.exists(target) && !overwrite) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore to " + target + ": the file exists (use --overwrite to replace it)");
    }
    Path parentDirectory = target.toAbsolutePath().getParent();
    if (!device && (parentDirectory == null || !Files.isDirectory(parentDirectory))) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot restore to " + target + ": directory " + parentDirectory + " does not exist");
    }
    try (RepositoryLock lock = repository.lock(LockKind.SHARED, "restore")) {
      if (device) {
        long written = writeDisk(disk, target, true);
        return new RestoreResult(target, disk.sizeBytes(), written);
      }
      Path partial =
          parentDirectory.resolve(
              "." + target.getFileName() + ".cairn-partial-" + ProcessHandle.current().pid());
      try {
        Files.deleteIfExists(partial);
        long written = writeDisk(disk, partial, false);
        if (overwrite) {
          Files.move(
              partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
          Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        }
        return new RestoreResult(target, disk.sizeBytes(), written);
      } finally {
        Files.deleteIfExists(partial);
      }
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

  private long writeDisk(DiskImage disk, Path path, boolean writeZeros) throws IOException {
    ChunkReader reader = chunkReader(repository);
    BatchReader batches = new BatchReader(reader);
    BlockMapReader map =
        new BlockMapReader(
            new PointPages(reader),
            disk.mapRoot() == null ? null : ChunkId.fromHex(disk.mapRoot()),
            disk.blockCount());
    ProgressCounter counter = new ProgressCounter(progress, "restore", disk.sizeBytes());
    int blockSize = disk.blockSize();
    byte[] zeros = writeZeros ? new byte[blockSize] : null;
    ExecutorService workers =
        Executors.newFixedThreadPool(
            workerCount, Thread.ofPlatform().name("restore-worker-", 0).daemon().factory());
    long[] written = new long[1];
    try (FileChannel channel =
        writeZeros
            ? FileChannel.open(path, StandardOpenOption.WRITE)
            : FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      if (!writeZeros) {
        // Extending the file without writing leaves a hole: zero blocks cost no space.
        try (var file = new java.io.RandomAccessFile(path.toFile(), "rw")) {
          file.setLength(disk.sizeBytes());
        }
      }
      ArrayDeque<Future<Long>> inFlight = new ArrayDeque<>();
      long leafCount = map.leafCount();
      for (long leaf = 0; leaf < leafCount; leaf++) {
        ChunkId[] entries = map.leaf(leaf);
        long firstBlock = leaf * BlockMapPage.FANOUT;
        int slots = (int) Math.min(BlockMapPage.FANOUT, disk.blockCount() - firstBlock);
        for (int start = 0; start < slots; start += BLOCKS_PER_BATCH) {
          int end = Math.min(slots, start + BLOCKS_PER_BATCH);
          ChunkId[] batch = Arrays.copyOfRange(entries, start, end);
          long batchFirstBlock = firstBlock + start;
          inFlight.add(
              workers.submit(
                  () ->
                      writeBatch(batches, batch, batchFirstBlock, disk, channel, zeros, counter)));
          while (inFlight.size() > workerCount * 2) {
            written[0] += await(inFlight.poll());
          }
        }
      }
      while (!inFlight.isEmpty()) {
        written[0] += await(inFlight.poll());
      }
      channel.force(true);
    } finally {
      workers.shutdownNow();
      awaitQuietly(workers);
    }
    return written[0];
  }

  /**
   * Reads a batch of blocks and writes each run of consecutive blocks with one write from a
   * per-worker direct buffer: one copy and one system call per run instead of two copies and a call
   * per 64 KiB block.
   */
  private long writeBatch(
      BatchReader batches,
      ChunkId[] ids,
      long firstBlock,
      DiskImage disk,
      FileChannel channel,
      byte[] zeros,
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
    for (int slot = 0; zeros != null && slot < ids.length; slot++) {
      if (ids[slot] == null) {
        int length = (int) Math.min(blockSize, disk.sizeBytes() - (firstBlock + slot) * blockSize);
        buffer.put(slot * blockSize, zeros, 0, length);
        lengths[slot] = length;
      }
    }
    long written = 0;
    int slot = 0;
    while (slot < ids.length) {
      if (lengths[slot] == 0) {
        slot++;
        continue;
      }
      int start = slot;
      int runLength = 0;
      while (slot < ids.length && lengths[slot] > 0) {
        runLength += lengths[slot];
        slot++;
      }
      writeFully(
          channel, buffer.slice(start * blockSize, runLength), (firstBlock + start) * blockSize);
      written += runLength;
    }
    counter.add(Math.min((long) ids.length * blockSize, disk.sizeBytes() - firstBlock * blockSize));
    return written;
  }

  private ByteBuffer batchBuffer(int blockSize) {
    ByteBuffer buffer = batchBuffers.get();
    if (buffer == null || buffer.capacity() < BLOCKS_PER_BATCH * blockSize) {
      buffer = ByteBuffer.allocateDirect(BLOCKS_PER_BATCH * blockSize);
      batchBuffers.set(buffer);
    }
    return buffer;
  }

  private static void writeFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
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
