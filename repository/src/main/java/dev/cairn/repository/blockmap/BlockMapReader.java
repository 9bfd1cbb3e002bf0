package dev.cairn.repository.blockmap;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/**
 * Reads a block map. Keeps the last page seen at each level, so a sequential walk reads every page
 * once. Not thread-safe: use one reader per thread.
 */
public final class BlockMapReader {
  private final PageSource pages;
  private final ChunkId root;
  private final int depth;
  private final long blockCount;
  private final ChunkId[] cachedIds;
  private final ChunkId[][] cachedSlots;

  public BlockMapReader(PageSource pages, ChunkId root, long blockCount) {
    this.pages = pages;
    this.root = root;
    this.blockCount = blockCount;
    this.depth = BlockMapPage.depthFor(blockCount);
    this.cachedIds = new ChunkId[depth];
    this.cachedSlots = new ChunkId[depth][];
  }

  public long blockCount() {
    return blockCount;
  }

  public long leafCount() {
    return (blockCount + BlockMapPage.FANOUT - 1) / BlockMapPage.FANOUT;
  }

  /** The id of leaf page {@code leafIndex}, or null if the whole leaf is a hole. */
  public ChunkId leafId(long leafIndex) throws IOException {
    if (leafIndex < 0 || leafIndex >= leafCount()) {
      throw new IndexOutOfBoundsException("leaf " + leafIndex + " of " + leafCount());
    }
    return childAt(0, leafIndex);
  }

  /**
   * The 1024 block entries of leaf {@code leafIndex} (null entries are holes). The returned array
   * is a fresh copy the caller may change.
   */
  public ChunkId[] leaf(long leafIndex) throws IOException {
    ChunkId id = leafId(leafIndex);
    if (id == null) {
      return new ChunkId[BlockMapPage.FANOUT];
    }
    return load(0, id).clone();
  }

  /** The chunk id of block {@code blockIndex}, or null for a hole. */
  public ChunkId block(long blockIndex) throws IOException {
    if (blockIndex < 0 || blockIndex >= blockCount) {
      throw new IndexOutOfBoundsException("block " + blockIndex + " of " + blockCount);
    }
    ChunkId leafId = leafId(blockIndex / BlockMapPage.FANOUT);
    return leafId == null ? null : load(0, leafId)[(int) (blockIndex % BlockMapPage.FANOUT)];
  }

  /** The id of the level-{@code level} page that covers leaf/page index {@code index}. */
  private ChunkId childAt(int level, long index) throws IOException {
    if (root == null) {
      return null;
    }
    if (level == depth - 1) {
      return root;
    }
    long parentIndex = index / BlockMapPage.FANOUT;
    ChunkId parentId = childAt(level + 1, parentIndex);
    if (parentId == null) {
      return null;
    }
    return load(level + 1, parentId)[(int) (index % BlockMapPage.FANOUT)];
  }

  private ChunkId[] load(int level, ChunkId id) throws IOException {
    if (id.equals(cachedIds[level])) {
      return cachedSlots[level];
    }
    ChunkId[] slots;
    try {
      slots = BlockMapPage.decode(pages.readPage(id), level);
    } catch (IllegalArgumentException e) {
      throw new DamagedObjectException("block map page " + id, e.getMessage());
    }
    cachedIds[level] = id;
    cachedSlots[level] = slots;
    return slots;
  }
}
