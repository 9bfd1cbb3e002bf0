package dev.cairn.engine.backup;

import dev.cairn.repository.BlobSink;
import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.blockmap.PageStore;
import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/** Block-map pages written through a backup's sink and read back through the index. */
record SinkPageStore(BlobSink sink, ChunkReader reader) implements PageStore {
  @Override
  public ChunkId writePage(byte[] page) throws IOException {
    return sink.storeTree(page);
  }

  @Override
  public byte[] readPage(ChunkId id) throws IOException {
    return reader.read(id);
  }
}
