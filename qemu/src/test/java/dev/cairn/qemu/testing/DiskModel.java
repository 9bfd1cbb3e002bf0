package dev.cairn.qemu.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

/** What a test expects a disk to hold: zeros, then the patterns it wrote. */
public final class DiskModel {
  private final byte[] bytes;

  public DiskModel(int size) {
    this.bytes = new byte[size];
  }

  public void write(int pattern, long offset, long length) {
    Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) pattern);
  }

  public DiskModel copy() {
    DiskModel copy = new DiskModel(bytes.length);
    System.arraycopy(bytes, 0, copy.bytes, 0, bytes.length);
    return copy;
  }

  /** Asserts {@code actual} equals the model, naming the first differing offset. */
  public void assertMatches(byte[] actual) {
    assertThat(actual.length).as("disk size").isEqualTo(bytes.length);
    int mismatch = Arrays.mismatch(bytes, actual);
    assertThat(mismatch).as("first offset where the export differs from the model").isEqualTo(-1);
  }
}
