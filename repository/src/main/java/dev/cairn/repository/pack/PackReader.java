package dev.cairn.repository.pack;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.crypto.ObjectCipher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;

/**
 * Decrypts blobs of a pack. Needs the pack's 37-byte header (for the key) and then either single
 * blobs read by range, or the whole pack for {@link #readTrailer}. Thread-safe once built.
 */
public final class PackReader {
  private final ObjectCipher cipher;
  private final PackId id;
  private final SecretKey key;

  /**
   * @throws DamagedObjectException if the header is not a version 1 pack header
   */
  public PackReader(ObjectCipher cipher, PackId id, byte[] header) throws DamagedObjectException {
    this.cipher = cipher;
    this.id = id;
    if (header.length < PackFormat.HEADER_LENGTH
        || !PackFormat.MAGIC.equals(new String(header, 0, 4, StandardCharsets.US_ASCII))) {
      throw new DamagedObjectException(id.objectName(), "not a pack (bad header)");
    }
    if (header[4] != PackFormat.VERSION) {
      throw new DamagedObjectException(id.objectName(), "unknown pack version " + header[4]);
    }
    this.key =
        cipher.objectKey(
            PackFormat.KEY_LABEL, Arrays.copyOfRange(header, 5, PackFormat.HEADER_LENGTH));
  }

  public PackId id() {
    return id;
  }

  /**
   * Decrypts one blob given its sealed bytes, returning the stored plaintext (still compressed if
   * the entry says so).
   *
   * @throws DamagedObjectException naming the pack and chunk if authentication fails
   */
  public byte[] openBlob(BlobEntry entry, byte[] sealed, int offset) throws DamagedObjectException {
    try {
      return cipher.open(
          key,
          ObjectCipher.nonce(PackFormat.BLOB_NONCE_DOMAIN, entry.offset()),
          PackFormat.blobAssociatedData(
              entry.id(), entry.type(), entry.compression(), entry.rawLength()),
          sealed,
          offset,
          entry.storedLength());
    } catch (AEADBadTagException e) {
      throw new DamagedObjectException(
          id.objectName(),
          "chunk " + entry.id() + " at offset " + entry.offset() + " fails authentication");
    }
  }

  /**
   * Reads the blob table from a whole pack, for check --read-data and index repair.
   *
   * @throws DamagedObjectException if the pack is truncated or its trailer fails authentication
   */
  public List<BlobEntry> readTrailer(byte[] pack) throws DamagedObjectException {
    String name = id.objectName();
    if (pack.length < PackFormat.HEADER_LENGTH + PackFormat.FOOTER_LENGTH) {
      throw new DamagedObjectException(name, "truncated to " + pack.length + " bytes");
    }
    int sealedLength = ByteBuffer.wrap(pack, pack.length - 4, 4).getInt();
    int trailerOffset = pack.length - 4 - sealedLength;
    if (sealedLength < ObjectCipher.TAG_LENGTH + 4 || trailerOffset < PackFormat.HEADER_LENGTH) {
      throw new DamagedObjectException(name, "truncated or damaged trailer");
    }
    byte[] table;
    try {
      table =
          cipher.open(
              key,
              ObjectCipher.nonce(PackFormat.TRAILER_NONCE_DOMAIN, 0),
              PackFormat.TRAILER_ASSOCIATED_DATA,
              pack,
              trailerOffset,
              sealedLength);
    } catch (AEADBadTagException e) {
      throw new DamagedObjectException(name, "trailer fails authentication");
    }
    ByteBuffer buffer = ByteBuffer.wrap(table);
    int count = buffer.getInt();
    if (count < 0 || count > (table.length - 4) / BlobEntry.SERIALIZED_LENGTH) {
      throw new DamagedObjectException(name, "trailer lists an impossible " + count + " blobs");
    }
    List<BlobEntry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      BlobEntry entry;
      try {
        entry = BlobEntry.readFrom(buffer);
      } catch (IllegalArgumentException e) {
        throw new DamagedObjectException(name, e.getMessage());
      }
      if ((long) entry.offset() + entry.storedLength() > trailerOffset) {
        throw new DamagedObjectException(name, "blob " + entry.id() + " extends past the data");
      }
      entries.add(entry);
    }
    return entries;
  }
}
