package dev.cairn.repository.crypto;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The identity of a chunk: HMAC-SHA-256 of its plaintext under the repository's id key, so equal
 * content has equal ids (deduplication) but an id reveals nothing about content to someone without
 * the key. Held as four longs so that it is compact in memory and cheap to compare.
 */
public record ChunkId(long word0, long word1, long word2, long word3)
    implements Comparable<ChunkId> {
  /** Bytes in a serialized id. */
  public static final int LENGTH = 32;

  public static ChunkId fromBytes(byte[] bytes, int offset) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, LENGTH);
    return new ChunkId(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
  }

  public static ChunkId fromBuffer(ByteBuffer buffer) {
    return new ChunkId(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
  }

  /**
   * Parses 64 hex digits.
   *
   * @throws IllegalArgumentException if {@code hex} is not 64 hex digits
   */
  public static ChunkId fromHex(String hex) {
    if (hex.length() != LENGTH * 2) {
      throw new IllegalArgumentException("Invalid chunk id '" + hex + "': not 64 hex digits");
    }
    return fromBytes(HexFormat.of().parseHex(hex), 0);
  }

  public byte[] toBytes() {
    byte[] bytes = new byte[LENGTH];
    writeTo(bytes, 0);
    return bytes;
  }

  public void writeTo(byte[] target, int offset) {
    ByteBuffer.wrap(target, offset, LENGTH)
        .putLong(word0)
        .putLong(word1)
        .putLong(word2)
        .putLong(word3);
  }

  public void writeTo(ByteBuffer target) {
    target.putLong(word0).putLong(word1).putLong(word2).putLong(word3);
  }

  public String toHex() {
    return HexFormat.of().formatHex(toBytes());
  }

  /** The first 12 hex digits, enough to name a chunk in a message. */
  public String shortHex() {
    return toHex().substring(0, 12);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(word0);
  }

  @Override
  public int compareTo(ChunkId other) {
    int comparison = Long.compareUnsigned(word0, other.word0);
    if (comparison == 0) {
      comparison = Long.compareUnsigned(word1, other.word1);
    }
    if (comparison == 0) {
      comparison = Long.compareUnsigned(word2, other.word2);
    }
    if (comparison == 0) {
      comparison = Long.compareUnsigned(word3, other.word3);
    }
    return comparison;
  }

  @Override
  public String toString() {
    return shortHex();
  }
}
