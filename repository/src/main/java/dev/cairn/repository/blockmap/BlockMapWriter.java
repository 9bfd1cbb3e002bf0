package dev.cairn.repository.blockmap;

import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/**
 * Builds a block map bottom-up from leaves given in increasing order, holding one pending page per
 * level (so memory is depth x 32 KiB, whatever the disk size). Leaves can be given as entries (they
 * are encoded and stored) or as the id of an existing leaf page (an unchanged leaf of the parent
 * restore point: nothing is read or written for it). Not thread-safe.
 */
public final class BlockMapWriter {
  private final PageSink pages;
  private final int depth;
  private final ChunkId[][] pending;
  private final long[] pendingIndex;
  private long lastLeaf = -1;
  private boolean finished;

  public BlockMapWriter(PageSink pages, long blockCount) {
    this.pages = pages;
    this.depth = BlockMapPage.depthFor(blockCount);
    this.pending = new ChunkId[depth][];
    this.pendingIndex = new long[depth];
    for (int level = 1; level < depth; level++) {
      pendingIndex[level] = -1;
    }
  }

  public int depth() {
    return depth;
  }

  /** Adds leaf {@code leafIndex} from its block entries (null = hole); returns the leaf's id. */
  public ChunkId addLeaf(long leafIndex, ChunkId[] entries) throws IOException {
    byte[] page = BlockMapPage.encode(0, entries);
    ChunkId id = page == null ? null : pages.writePage(page);
    addLeafId(leafIndex, id);
    return id;
  }

  /** Adds an already stored leaf page by id (null: the whole leaf is a hole). */
  public void addLeafId(long leafIndex, ChunkId leafId) throws IOException {
    if (finished || leafIndex <= lastLeaf) {
      throw new IllegalStateException("Leaves must be added once each, in increasing order");
    }
    lastLeaf = leafIndex;
    if (depth == 1) {
      pending[0] = new ChunkId[] {leafId};
      return;
    }
    if (leafId != null) {
      setChild(1, leafIndex, leafId);
    }
  }

  /** Flushes the pending pages and returns the root page's id, or null for an all-zero disk. */
  public ChunkId finish() throws IOException {
    finished = true;
    if (depth == 1) {
      return pending[0] == null ? null : pending[0][0];
    }
    for (int level = 1; level < depth - 1; level++) {
      flush(level);
    }
    if (pending[depth - 1] == null) {
      return null;
    }
    byte[] root = BlockMapPage.encode(depth - 1, pending[depth - 1]);
    return root == null ? null : pages.writePage(root);
  }

  private void setChild(int level, long childIndex, ChunkId childId) throws IOException {
    long pageIndex = childIndex / BlockMapPage.FANOUT;
    if (pending[level] != null && pendingIndex[level] != pageIndex) {
      flush(level);
    }
    if (pending[level] == null) {
      pending[level] = new ChunkId[BlockMapPage.FANOUT];
      pendingIndex[level] = pageIndex;
    }
    pending[level][(int) (childIndex % BlockMapPage.FANOUT)] = childId;
  }

  private void flush(int level) throws IOException {
    if (pending[level] == null) {
      return;
    }
    byte[] page = BlockMapPage.encode(level, pending[level]);
    long index = pendingIndex[level];
    pending[level] = null;
    if (page != null) {
      setChild(level + 1, index, pages.writePage(page));
    }
  }
}
