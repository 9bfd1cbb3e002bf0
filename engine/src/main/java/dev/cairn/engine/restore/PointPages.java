package dev.cairn.engine.restore;

import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.blockmap.PageSource;
import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/** Block-map pages of committed restore points, read (and verified) through the index. */
public record PointPages(ChunkReader reader) implements PageSource {
  @Override
  public byte[] readPage(ChunkId id) throws IOException {
    return reader.read(id);
  }
}
