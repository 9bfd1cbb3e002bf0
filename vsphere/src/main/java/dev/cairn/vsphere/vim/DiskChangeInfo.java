package dev.cairn.vsphere.vim;

import java.util.List;

/**
 * The answer of QueryChangedDiskAreas: the byte range it covers ({@code startOffset}, {@code
 * length}) and the changed (or, for change id {@code "*"}, allocated) areas within it. The next
 * query starts at {@code startOffset + length} until the disk's capacity is reached.
 */
public record DiskChangeInfo(long startOffset, long length, List<Area> changedAreas) {
  public DiskChangeInfo {
    changedAreas = List.copyOf(changedAreas);
  }

  /** One changed area in bytes. */
  public record Area(long start, long length) {}
}
