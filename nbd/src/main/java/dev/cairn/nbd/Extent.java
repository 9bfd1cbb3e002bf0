package dev.cairn.nbd;

/**
 * One extent of a block-status reply: {@code length} bytes from {@code offset} with the context's
 * {@code flags} (for base:allocation: bit 0 hole, bit 1 reads as zero; for a dirty bitmap: bit 0
 * dirty).
 */
public record Extent(long offset, long length, int flags) {
  public long end() {
    return offset + length;
  }
}
