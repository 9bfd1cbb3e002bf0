package dev.cairn.repository.blockmap;

import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/** Stores block-map pages as a backup writes its maps. */
@FunctionalInterface
public interface PageSink {
  /** Stores an encoded page (deduplicated by content) and returns its chunk id. */
  ChunkId writePage(byte[] page) throws IOException;
}
