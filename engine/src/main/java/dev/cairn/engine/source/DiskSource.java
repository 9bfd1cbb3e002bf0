package dev.cairn.engine.source;

import java.io.IOException;

/**
 * A disk to back up, read by absolute offset. Implementations: image files and block devices now;
 * NBD exports and hypervisor transports later. Thread-safe: {@link #read} is called from several
 * workers at once with disjoint ranges.
 */
public interface DiskSource extends AutoCloseable {
  /** A short label for the disk (file name, device key). */
  String name();

  /** Where it is read from, for messages and the restore point: path or URL without secrets. */
  String description();

  /** The disk's size in bytes, fixed when the source was opened. */
  long size();

  /**
   * Reads exactly {@code length} bytes at {@code position} into {@code target[offset...]}.
   *
   * @throws IOException naming the disk and offset if the read fails or the disk ends early
   */
  void read(long position, byte[] target, int offset, int length) throws IOException;

  /**
   * Byte ranges that may hold non-zero data; everything outside them reads as zeros, so a full
   * backup need not read it. Empty when the source cannot tell (then everything is read). Sparse
   * image files answer from the file system; NBD sources will answer from base:allocation.
   */
  default java.util.Optional<java.util.List<ChangedExtents.Extent>> allocatedExtents()
      throws IOException {
    return java.util.Optional.empty();
  }

  /**
   * Called once every block has been read and before the restore point is committed: fails if what
   * was read may not be one point in time (a hypervisor's snapshot view that broke during the
   * backup), so that no such point is committed. Sources read from a quiet image need not check
   * anything.
   *
   * @throws IOException naming the disk and what broke
   */
  default void confirmPointInTime() throws IOException {}

  /** The size now, to detect a disk that changed size during the backup. */
  long currentSize() throws IOException;

  @Override
  void close() throws IOException;
}
