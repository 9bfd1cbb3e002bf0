package dev.cairn.engine.copy;

import dev.cairn.engine.progress.ProgressCounter;
import dev.cairn.engine.restore.BatchReader;
import dev.cairn.repository.BlobSink;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.blockmap.BlockMapReader;
import dev.cairn.repository.blockmap.BlockMapWriter;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.point.DiskImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Copies one disk's block map into the target, leaf by leaf (64 MiB of disk each), and returns the
 * root of the rebuilt map.
 *
 * <p>A leaf is taken whole, without reading anything, when the source leaf equals the same leaf of
 * a <em>reference</em>: a point that both repositories hold (same id, so the target's is a copy of
 * the source's). A changed leaf reuses the target ids of the blocks the reference leaf also holds,
 * and reads from the source, verifies, re-hashes and stores only the others. So copying an
 * incremental reads about what the backup read, not the whole disk. Leaves are processed in order
 * (the map writer needs that); the blocks of one leaf are read in parallel batches.
 */
final class DiskCopy {
  private static final int BLOCKS_PER_BATCH = 64;

  /** The same disk of a point both repositories hold; both maps have this disk's layout. */
  record Reference(BlockMapReader source, BlockMapReader target) {}

  private final DiskImage disk;
  private final BlockMapReader sourceMap;
  private final Reference reference; // null: no shared point to build on
  private final BatchReader sourceChunks;
  private final BlobSink sink;
  private final ChunkIndex targetIndex;
  private final ExecutorService workers;
  private final CopyCounters counters;
  private final ProgressCounter progress;

  DiskCopy(
      DiskImage disk,
      BlockMapReader sourceMap,
      Reference reference,
      BatchReader sourceChunks,
      BlobSink sink,
      ChunkIndex targetIndex,
      ExecutorService workers,
      CopyCounters counters,
      ProgressCounter progress) {
    this.disk = disk;
    this.sourceMap = sourceMap;
    this.reference = reference;
    this.sourceChunks = sourceChunks;
    this.sink = sink;
    this.targetIndex = targetIndex;
    this.workers = workers;
    this.counters = counters;
    this.progress = progress;
  }

  /** Copies the disk; returns the target map's root, null for an all-zero disk. */
  ChunkId run() throws IOException {
    BlockMapWriter writer =
        new BlockMapWriter(
            page -> {
              BlobSink.Stored stored = sink.store(BlobType.TREE, page, 0, page.length);
              count(stored);
              return stored.id();
            },
            disk.blockCount());
    long leafBytes = (long) BlockMapPage.FANOUT * disk.blockSize();
    for (long leaf = 0; leaf < sourceMap.leafCount(); leaf++) {
      long bytes = Math.min(leafBytes, disk.sizeBytes() - leaf * leafBytes);
      ChunkId sourceLeaf = sourceMap.leafId(leaf);
      ChunkId targetLeaf = sourceLeaf == null ? null : reusableLeaf(leaf, sourceLeaf);
      if (sourceLeaf == null) {
        writer.addLeafId(leaf, null);
      } else if (targetLeaf != null) {
        writer.addLeafId(leaf, targetLeaf);
        counters.leavesReused.incrementAndGet();
      } else {
        writer.addLeaf(leaf, copyLeaf(leaf));
      }
      progress.add(bytes);
    }
    return writer.finish();
  }

  /**
   * The reference's target leaf if the source leaf equals the reference's, else null. A reference
   * whose target copy has a hole where the source has data is not trusted for this leaf (it never
   * happens with copies that Cairn made, and copying the leaf costs only reading it).
   */
  private ChunkId reusableLeaf(long leaf, ChunkId sourceLeaf) throws IOException {
    if (reference == null || !sourceLeaf.equals(reference.source().leafId(leaf))) {
      return null;
    }
    return reference.target().leafId(leaf);
  }

  private ChunkId[] copyLeaf(long leaf) throws IOException {
    ChunkId[] entries = sourceMap.leaf(leaf);
    Map<ChunkId, ChunkId> known = knownIds(leaf);
    ChunkId[] copied = new ChunkId[BlockMapPage.FANOUT];
    ChunkId[] toRead = new ChunkId[BlockMapPage.FANOUT];
    for (int slot = 0; slot < entries.length; slot++) {
      if (entries[slot] == null) {
        continue;
      }
      ChunkId target = known.get(entries[slot]);
      if (target != null && targetIndex.contains(target)) {
        copied[slot] = target;
        counters.chunksReused.incrementAndGet();
      } else {
        toRead[slot] = entries[slot];
      }
    }
    List<Future<?>> batches = new ArrayList<>();
    for (int first = 0; first < toRead.length; first += BLOCKS_PER_BATCH) {
      int start = first;
      ChunkId[] batch = new ChunkId[BLOCKS_PER_BATCH];
      boolean any = false;
      for (int i = 0; i < BLOCKS_PER_BATCH; i++) {
        batch[i] = toRead[start + i];
        any |= batch[i] != null;
      }
      if (any) {
        batches.add(
            workers.submit(
                () -> {
                  sourceChunks.read(batch, (slot, data) -> copied[start + slot] = store(data));
                  return null;
                }));
      }
    }
    await(batches);
    return copied;
  }

  private ChunkId store(byte[] data) throws IOException {
    counters.bytesRead.addAndGet(data.length);
    BlobSink.Stored stored = sink.store(BlobType.DATA, data, 0, data.length);
    count(stored);
    return stored.id();
  }

  private void count(BlobSink.Stored stored) {
    if (stored.stored()) {
      counters.chunksNew.incrementAndGet();
      counters.bytesWritten.addAndGet(stored.storedLength());
    } else {
      counters.chunksExisting.incrementAndGet();
    }
  }

  /** Source id to target id of every block the reference's same leaf holds. */
  private Map<ChunkId, ChunkId> knownIds(long leaf) throws IOException {
    if (reference == null) {
      return Map.of();
    }
    ChunkId[] source = reference.source().leaf(leaf);
    ChunkId[] target = reference.target().leaf(leaf);
    Map<ChunkId, ChunkId> known = new HashMap<>();
    for (int slot = 0; slot < source.length; slot++) {
      if (source[slot] != null && target[slot] != null) {
        known.put(source[slot], target[slot]);
      }
    }
    return known;
  }

  private void await(List<Future<?>> batches) throws IOException {
    try {
      for (Future<?> batch : batches) {
        batch.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while copying disk " + disk.name());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new CairnException(
          ErrorCode.INTERNAL,
          "Cannot copy disk " + disk.name() + ": " + e.getCause(),
          e.getCause());
    } finally {
      batches.forEach(batch -> batch.cancel(true));
    }
  }
}
