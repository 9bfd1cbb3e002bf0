package dev.cairn.repository.pack;

import dev.cairn.repository.crypto.ChunkId;

/**
 * Where one blob sits in its pack and how to decode it: a row of a pack's trailer and of an index.
 *
 * @param id the chunk id (keyed hash of the plaintext)
 * @param type data or block-map page
 * @param compression how the plaintext was encoded before encryption
 * @param offset byte offset of the sealed blob in the pack
 * @param storedLength bytes of the sealed blob, GCM tag included
 * @param rawLength bytes of the plaintext
 */
public record BlobEntry(
    ChunkId id,
    BlobType type,
    Compression compression,
    int offset,
    int storedLength,
    int rawLength) {
  /** Bytes of a serialized entry in pack trailers and index files. */
  public static final int SERIALIZED_LENGTH = ChunkId.LENGTH + 1 + 1 + 4 + 4 + 4;

  public void writeTo(java.nio.ByteBuffer buffer) {
    id.writeTo(buffer);
    buffer.put((byte) type.code());
    buffer.put((byte) compression.code());
    buffer.putInt(offset);
    buffer.putInt(storedLength);
    buffer.putInt(rawLength);
  }

  /**
   * Reads an entry.
   *
   * @throws IllegalArgumentException if a code or a length is invalid
   */
  public static BlobEntry readFrom(java.nio.ByteBuffer buffer) {
    ChunkId id = ChunkId.fromBuffer(buffer);
    BlobType type = BlobType.fromCode(buffer.get());
    Compression compression = Compression.fromCode(buffer.get());
    int offset = buffer.getInt();
    int stored = buffer.getInt();
    int raw = buffer.getInt();
    if (offset < 0 || stored < 16 || raw < 0) {
      throw new IllegalArgumentException("invalid blob entry for chunk " + id);
    }
    return new BlobEntry(id, type, compression, offset, stored, raw);
  }
}
