package dev.cairn.engine.restore;

import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.blockmap.PageStore;
import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/** Block-map pages of committed restore points, read (and verified) through the index. */
public record PointPages(ChunkReader reader) implements PageStore {
  @Override
  public ChunkId writePage(byte[] page) {
    throw new UnsupportedOperationException("Committed restore points are read-only");
  }

  @Override
  public byte[] readPage(ChunkId id) throws IOException {
    return reader.read(id);
  }
}
