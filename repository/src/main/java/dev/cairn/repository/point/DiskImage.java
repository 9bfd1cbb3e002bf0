package dev.cairn.repository.point;

import java.util.Map;

/**
 * One disk of a restore point.
 *
 * @param name a label for the disk (file name, device key)
 * @param source where it was read from
 * @param sizeBytes the disk's size; the last block may be partial
 * @param blockSize bytes per block of the map (the repository's block size)
 * @param mapRoot hex id of the block map's root page, or null if every block is zero
 * @param changeTracking connector state for the next incremental (e.g. a CBT change id), may be
 *     empty
 */
public record DiskImage(
    String name,
    String source,
    long sizeBytes,
    int blockSize,
    String mapRoot,
    Map<String, String> changeTracking) {
  public long blockCount() {
    return (sizeBytes + blockSize - 1) / blockSize;
  }
}
