package dev.cairn.repository.blockmap;

import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/** Where block-map pages are kept: the repository stores them as TREE blobs in tree packs. */
public interface PageStore {
  /** Stores an encoded page (deduplicated by content) and returns its chunk id. */
  ChunkId writePage(byte[] page) throws IOException;

  /**
   * Reads and verifies an encoded page.
   *
   * @throws IOException naming the page if it is missing or damaged
   */
  byte[] readPage(ChunkId id) throws IOException;
}
