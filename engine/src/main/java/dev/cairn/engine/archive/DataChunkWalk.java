package dev.cairn.engine.archive;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.blockmap.BlockMapPage;
import dev.cairn.repository.blockmap.PageSource;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.point.DiskImage;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Walks block maps (tree packs, always online) and hands every data chunk id to a consumer. A page
 * met before in the same walk is not walked again: its chunks were handed over already. Pages are
 * remembered by full id, never by a prefix, so no subtree is skipped by a collision.
 */
final class DataChunkWalk {
  private final PageSource pages;
  private final Set<ChunkId> walkedPages = new HashSet<>();

  DataChunkWalk(PageSource pages) {
    this.pages = pages;
  }

  void walk(DiskImage disk, Consumer<ChunkId> dataChunks) throws IOException {
    if (disk.mapRoot() != null) {
      walk(
          ChunkId.fromHex(disk.mapRoot()),
          BlockMapPage.depthFor(disk.blockCount()) - 1,
          dataChunks);
    }
  }

  private void walk(ChunkId page, int level, Consumer<ChunkId> dataChunks) throws IOException {
    if (!walkedPages.add(page)) {
      return;
    }
    ChunkId[] slots;
    try {
      slots = BlockMapPage.decode(pages.readPage(page), level);
    } catch (IllegalArgumentException e) {
      throw new DamagedObjectException("block map page " + page, e.getMessage());
    }
    for (ChunkId child : slots) {
      if (child == null) {
        continue;
      }
      if (level > 0) {
        walk(child, level - 1, dataChunks);
      } else {
        dataChunks.accept(child);
      }
    }
  }
}
