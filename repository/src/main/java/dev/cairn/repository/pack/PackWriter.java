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
  private final PackBuffers buffers;
  private final List<BlobEntry> entries = new ArrayList<>();
  private byte[] buffer;
  private int length;
  private SecretKey key;
  private PackId id;

  public PackWriter(ObjectCipher cipher, SecureRandom random, int targetSize, PackKind kind) {
    this(cipher, random, targetSize, kind, PackBuffers.unbounded(targetSize + 256 * 1024));
  }

  /**
   * A writer that takes its buffer from {@code buffers} when a pack starts (blocking if none is
   * free) and hands it over with the finished pack; whoever stores the pack gives it back.
   */
  public PackWriter(
      ObjectCipher cipher,
      SecureRandom random,
      int targetSize,
      PackKind kind,
      PackBuffers buffers) {
    this.cipher = cipher;
    this.random = random;
    this.targetSize = targetSize;
    this.kind = kind;
    this.buffers = buffers;
  }

  /**
   * A finished pack: its id, the buffer holding it (the first {@code length} bytes are exactly the
   * object to store) and its entries. The buffer belongs to the receiver, who gives it back to the
   * writer's {@link PackBuffers} once the pack is stored.
   */
  public record FinishedPack(PackId id, byte[] buffer, int length, List<BlobEntry> entries) {
    /** The pack's bytes, without copying. */
    public java.nio.ByteBuffer content() {
      return java.nio.ByteBuffer.wrap(buffer, 0, length);
    }

    /** A copy of exactly the pack's bytes. */
    public byte[] bytes() {
      return Arrays.copyOf(buffer, length);
    }
  }

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
    FinishedPack pack = new FinishedPack(id, buffer, length, List.copyOf(entries));
    buffer = null;
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
      try {
        buffer = buffers.take();
      } catch (java.io.InterruptedIOException e) {
        throw new IllegalStateException("Interrupted while waiting for a pack buffer", e);
      }
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
