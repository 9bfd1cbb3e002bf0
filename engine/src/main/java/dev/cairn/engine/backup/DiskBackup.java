package dev.cairn.engine.backup;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.source.ChangedExtents;
import dev.cairn.engine.source.DiskSource;
import dev.cairn.repository.BlobSink;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.blockmap.BlockMapReader;
import dev.cairn.repository.blockmap.BlockMapWriter;
import dev.cairn.repository.blockmap.PageStore;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.pack.BlobType;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Backs up one disk into a block map: walks the map leaf by leaf (64 MiB of disk each), reads the
 * blocks that need reading in batches of up to 4 MiB on the worker pool, and keeps at most {@link
 * #LEAVES_IN_FLIGHT} leaves in progress so memory stays bounded. An unchanged leaf of an
 * incremental is taken from the parent by id without reading anything.
 */
final class DiskBackup {
  static final int BLOCKS_PER_BATCH = 64;
  private static final int LEAVES_IN_FLIGHT = 3;

  private final DiskSource source;
  private final int blockSize;
  private final long blockCount;
  private final BlobSink sink;
  private final PageStore pages;
  private final BlockMapReader parentMap; // null when there is no comparable parent
  private final ChangedExtents changed; // null for a full read
  private final ChangedExtents allocated; // null when the source cannot tell where data is
  private final ExecutorService workers;
  private final BlockStatistics statistics;
  private final ProgressCounter progress;
  private final ThreadLocal<byte[]> buffers;
  private final byte[] zeros;

  DiskBackup(
      DiskSource source,
      int blockSize,
      BlobSink sink,
      PageStore pages,
      BlockMapReader parentMap,
      ChangedExtents changed,
      ChangedExtents allocated,
      ExecutorService workers,
      BlockStatistics statistics,
      ProgressCounter progress) {
    this.source = source;
    this.blockSize = blockSize;
    this.blockCount = (source.size() + blockSize - 1) / blockSize;
    this.sink = sink;
    this.pages = pages;
    this.parentMap = parentMap;
    this.changed = changed;
    this.allocated = changed == null ? allocated : null;
    this.workers = workers;
    this.statistics = statistics;
    this.progress = progress;
    this.buffers = ThreadLocal.withInitial(() -> new byte[blockSize * BLOCKS_PER_BATCH]);
    this.zeros = new byte[blockSize];
  }

  /** Bytes this disk's backup will read. */
  static long bytesToRead(long size, int blockSize, ChangedExtents changed) {
    if (changed == null) {
      return size;
    }
    return Math.min(size, changed.blockCount() * blockSize);
  }

  /** Runs the backup of this disk; returns the root of its block map (null if all zero). */
  ChunkId run() throws IOException {
    BlockMapWriter writer = new BlockMapWriter(pages, blockCount);
    long leafCount = (blockCount + BlockMapPage.FANOUT - 1) / BlockMapPage.FANOUT;
    ArrayDeque<LeafJob> inFlight = new ArrayDeque<>();
    try {
      for (long leaf = 0; leaf < leafCount; leaf++) {
        long first = leaf * BlockMapPage.FANOUT;
        long end = Math.min(blockCount, first + BlockMapPage.FANOUT);
        if (changed != null && !changed.touches(first, end)) {
          inFlight.add(LeafJob.reused(leaf, parentMap.leafId(leaf)));
        } else {
          inFlight.add(startLeaf(leaf, first, end));
        }
        while (inFlight.size() > LEAVES_IN_FLIGHT) {
          complete(inFlight.poll(), writer);
        }
      }
      while (!inFlight.isEmpty()) {
        complete(inFlight.poll(), writer);
      }
    } finally {
      for (LeafJob job : inFlight) {
        job.futures.forEach(future -> future.cancel(true));
      }
    }
    return writer.finish();
  }

  private LeafJob startLeaf(long leaf, long first, long end) throws IOException {
    ChunkId[] parentEntries = parentMap == null ? null : parentMap.leaf(leaf);
    ChunkId[] entries =
        parentEntries == null ? new ChunkId[BlockMapPage.FANOUT] : parentEntries.clone();
    LeafJob job = new LeafJob(leaf, entries, null, new ArrayList<>());
    long[] blocks =
        changed != null
            ? changed.blocksIn(first, end)
            : allocated != null ? allocated.blocksIn(first, end) : null;
    if (changed == null && allocated != null) {
      recordHolesBetween(first, end, blocks, first, entries, parentEntries);
    }
    if (blocks == null) {
      for (long start = first; start < end; start += BLOCKS_PER_BATCH) {
        long batchEnd = Math.min(end, start + BLOCKS_PER_BATCH);
        job.futures.add(submit(start, batchEnd, first, entries, parentEntries));
      }
    } else {
      int i = 0;
      while (i < blocks.length) {
        int j = i + 1;
        while (j < blocks.length && blocks[j] == blocks[j - 1] + 1 && j - i < BLOCKS_PER_BATCH) {
          j++;
        }
        job.futures.add(submit(blocks[i], blocks[j - 1] + 1, first, entries, parentEntries));
        i = j;
      }
    }
    return job;
  }

  /**
   * Records as holes, without reading them, the blocks of {@code [startBlock, endBlock)} that are
   * not in {@code dataBlocks} (sorted): the source says they hold no data.
   */
  private void recordHolesBetween(
      long startBlock,
      long endBlock,
      long[] dataBlocks,
      long leafFirst,
      ChunkId[] entries,
      ChunkId[] parentEntries) {
    int next = 0;
    long holes = 0;
    for (long block = startBlock; block < endBlock; block++) {
      if (next < dataBlocks.length && dataBlocks[next] == block) {
        next++;
        continue;
      }
      int slot = (int) (block - leafFirst);
      if (parentEntries != null && parentEntries[slot] != null) {
        statistics.changedBlocks.incrementAndGet();
      }
      entries[slot] = null;
      holes++;
      progress.add(Math.min(blockSize, source.size() - block * blockSize));
    }
    statistics.zeroBlocks.addAndGet(holes);
  }

  private Future<?> submit(
      long startBlock, long endBlock, long leafFirst, ChunkId[] entries, ChunkId[] parentEntries) {
    return workers.submit(
        () -> {
          processBatch(startBlock, endBlock, leafFirst, entries, parentEntries);
          return null;
        });
  }

  private void processBatch(
      long startBlock, long endBlock, long leafFirst, ChunkId[] entries, ChunkId[] parentEntries)
      throws IOException {
    byte[] buffer = buffers.get();
    long position = startBlock * blockSize;
    int length = (int) Math.min((endBlock - startBlock) * blockSize, source.size() - position);
    source.read(position, buffer, 0, length);
    statistics.bytesRead.addAndGet(length);
    long[] histogram = new long[256];
    for (long block = startBlock; block < endBlock; block++) {
      int offset = (int) ((block - startBlock) * blockSize);
      int blockLength = Math.min(blockSize, length - offset);
      int slot = (int) (block - leafFirst);
      ChunkId before = parentEntries == null ? null : parentEntries[slot];
      if (Arrays.equals(buffer, offset, offset + blockLength, zeros, 0, blockLength)) {
        entries[slot] = null;
        statistics.zeroBlocks.incrementAndGet();
        if (before != null) {
          statistics.changedBlocks.incrementAndGet();
        }
        continue;
      }
      BlobSink.Stored stored = sink.store(BlobType.DATA, buffer, offset, blockLength);
      entries[slot] = stored.id();
      if (!stored.id().equals(before)) {
        statistics.changedBlocks.incrementAndGet();
        statistics.sample(buffer, offset, blockLength, histogram);
      }
      if (stored.stored()) {
        statistics.newChunks.incrementAndGet();
        statistics.bytesStored.addAndGet(stored.storedLength());
        statistics.changedBytesRaw.addAndGet(blockLength);
        statistics.changedBytesCompressed.addAndGet(
            stored.compressedLength() >= 0 ? stored.compressedLength() : blockLength);
      }
    }
    statistics.mergeSample(histogram);
    progress.add(length);
  }

  private void complete(LeafJob job, BlockMapWriter writer) throws IOException {
    if (job.reusedId != null || job.entries == null) {
      writer.addLeafId(job.leaf, job.reusedId);
      return;
    }
    for (Future<?> future : job.futures) {
      try {
        future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Interrupted while backing up " + source.description());
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IOException io) {
          throw io;
        }
        throw new CairnException(
            ErrorCode.INTERNAL,
            "Cannot back up disk " + source.description() + ": " + cause,
            cause);
      }
    }
    writer.addLeaf(job.leaf, job.entries);
  }

  private record LeafJob(long leaf, ChunkId[] entries, ChunkId reusedId, List<Future<?>> futures) {
    static LeafJob reused(long leaf, ChunkId id) {
      return new LeafJob(leaf, null, id, List.of());
    }
  }
}
