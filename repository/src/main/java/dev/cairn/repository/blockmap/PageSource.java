package dev.cairn.repository.blockmap;

import dev.cairn.repository.crypto.ChunkId;
import java.io.IOException;

/** Reads block-map pages (of committed restore points, or of a backup's parent). */
@FunctionalInterface
public interface PageSource {
  /**
   * Reads and verifies an encoded page.
   *
   * @throws IOException naming the page if it is missing or damaged
   */
  byte[] readPage(ChunkId id) throws IOException;
}
