package dev.cairn.qemu.testing;

/** A byte range of a disk. */
public record Range(long offset, long length) {
  public long end() {
    return offset + length;
  }

  @Override
  public String toString() {
    return "[" + offset + ", +" + length + ")";
  }
}
