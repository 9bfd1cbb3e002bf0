package dev.cairn.repository.pack;

import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.crypto.ObjectCipher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.SecretKey;

/**
 * Builds one pack in memory: blobs are encrypted straight into the pack buffer as they are added.
 * Not thread-safe: the engine gives each worker its own writer. Memory is one buffer of about the
 * target size.
 */
public final class PackWriter {
  private final ObjectCipher cipher;
  private final SecureRandom random;
  private final int targetSize;
  private final PackKind kind;
  private final List<BlobEntry> entries = new ArrayList<>();
  private byte[] buffer;
  private int length;
  private SecretKey key;
  private PackId id;

  public PackWriter(ObjectCipher cipher, SecureRandom random, int targetSize, PackKind kind) {
    this.cipher = cipher;
    this.random = random;
    this.targetSize = targetSize;
    this.kind = kind;
  }

  /** A finished pack: its id, its bytes (exactly the object to store) and its entries. */
  public record FinishedPack(PackId id, byte[] bytes, List<BlobEntry> entries) {}

  public PackKind kind() {
    return kind;
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** True when the pack has reached its target size and should be finished. */
  public boolean isFull() {
    return length >= targetSize || entries.size() >= PackFormat.MAXIMUM_BLOBS;
  }

  /**
   * Encrypts {@code plaintext[offset, offset+length)} (already compressed if {@code compression}
   * says so) and appends it.
   */
  public BlobEntry add(
      ChunkId chunkId,
      BlobType type,
      Compression compression,
      int rawLength,
      byte[] plaintext,
      int offset,
      int plaintextLength) {
    if (id == null) {
      start();
    }
    ensureCapacity(length + plaintextLength + ObjectCipher.TAG_LENGTH);
    int blobOffset = length;
    int written =
        cipher.seal(
            key,
            ObjectCipher.nonce(PackFormat.BLOB_NONCE_DOMAIN, blobOffset),
            PackFormat.blobAssociatedData(chunkId, type, compression, rawLength),
            plaintext,
            offset,
            plaintextLength,
            buffer,
            blobOffset);
    length += written;
    BlobEntry entry = new BlobEntry(chunkId, type, compression, blobOffset, written, rawLength);
    entries.add(entry);
    return entry;
  }

  /** The id of the pack being filled; a pack is started on first use if none is open. */
  public PackId currentId() {
    if (id == null) {
      start();
    }
    return id;
  }

  /** Seals the trailer and returns the pack; the writer is then empty and can start another. */
  public FinishedPack finish() {
    if (entries.isEmpty()) {
      throw new IllegalStateException("Cannot finish an empty pack");
    }
    ByteBuffer table = ByteBuffer.allocate(4 + entries.size() * BlobEntry.SERIALIZED_LENGTH);
    table.putInt(entries.size());
    for (BlobEntry entry : entries) {
      entry.writeTo(table);
    }
    byte[] plainTable = table.array();
    ensureCapacity(length + plainTable.length + ObjectCipher.TAG_LENGTH + PackFormat.FOOTER_LENGTH);
    int sealedLength =
        cipher.seal(
            key,
            ObjectCipher.nonce(PackFormat.TRAILER_NONCE_DOMAIN, 0),
            PackFormat.TRAILER_ASSOCIATED_DATA,
            plainTable,
            0,
            plainTable.length,
            buffer,
            length);
    length += sealedLength;
    ByteBuffer.wrap(buffer, length, 4).putInt(sealedLength);
    length += 4;
    FinishedPack pack = new FinishedPack(id, Arrays.copyOf(buffer, length), List.copyOf(entries));
    entries.clear();
    length = 0;
    id = null;
    key = null;
    return pack;
  }

  private void start() {
    id = PackId.random(kind, random);
    byte[] salt = new byte[ObjectCipher.SALT_LENGTH];
    random.nextBytes(salt);
    key = cipher.objectKey(PackFormat.KEY_LABEL, salt);
    if (buffer == null) {
      buffer = new byte[targetSize + 256 * 1024];
    }
    ByteBuffer.wrap(buffer)
        .put(PackFormat.MAGIC.getBytes(StandardCharsets.US_ASCII))
        .put(PackFormat.VERSION)
        .put(salt);
    length = PackFormat.HEADER_LENGTH;
  }

  private void ensureCapacity(int needed) {
    if (needed > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(needed, buffer.length + buffer.length / 4));
    }
  }
}
