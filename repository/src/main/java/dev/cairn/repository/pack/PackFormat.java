package dev.cairn.repository.pack;

import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.crypto.ObjectCipher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte layout of a pack (docs/design/repository-format.md, "Packs"):
 *
 * <pre>
 * header   "CRNP" | version 1 | salt (32)                               37 bytes
 * blobs    AES-256-GCM(packKey, nonce = 0x00000000 || offset, aad = blob header) each
 * trailer  AES-256-GCM(packKey, nonce = 0x00000001 || 0, aad = "CRNP-trailer") of
 *          count (4) followed by count serialized {@link BlobEntry}s
 * footer   sealed trailer length (4, big-endian)
 * </pre>
 *
 * The blob's associated data is its id, type, compression and raw length, so a blob cannot be moved
 * to another id or reinterpreted.
 */
public final class PackFormat {
  public static final String MAGIC = "CRNP";
  public static final byte VERSION = 1;
  public static final int HEADER_LENGTH = 4 + 1 + ObjectCipher.SALT_LENGTH;
  public static final int FOOTER_LENGTH = 4;
  public static final int MAXIMUM_BLOBS = 1 << 20;
  static final int BLOB_NONCE_DOMAIN = 0;
  static final int TRAILER_NONCE_DOMAIN = 1;
  static final byte[] TRAILER_ASSOCIATED_DATA = "CRNP-trailer".getBytes(StandardCharsets.US_ASCII);
  static final String KEY_LABEL = "pack";

  private PackFormat() {}

  static byte[] blobAssociatedData(
      ChunkId id, BlobType type, Compression compression, int rawLength) {
    ByteBuffer buffer = ByteBuffer.allocate(ChunkId.LENGTH + 6);
    id.writeTo(buffer);
    buffer.put((byte) type.code()).put((byte) compression.code()).putInt(rawLength);
    return buffer.array();
  }
}
