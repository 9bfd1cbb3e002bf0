package dev.cairn.repository.crypto;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.compression.Compressor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;

/**
 * The container of every small encrypted object (index files, restore points):
 *
 * <pre>
 * magic   4 bytes  ASCII kind, e.g. "CRNI", "CRNM"
 * version 1 byte   1
 * salt   32 bytes  random, derives this object's key
 * sealed  n bytes  AES-256-GCM(zstd(payload)), nonce 0, associated data = the 37 header bytes
 *                  followed by the object's name in UTF-8, so an object cannot be passed off
 *                  under another name
 * </pre>
 */
public final class Envelope {
  public static final int HEADER_LENGTH = 4 + 1 + ObjectCipher.SALT_LENGTH;
  private static final byte VERSION = 1;
  private static final int MAXIMUM_PAYLOAD = 1 << 30;

  private final ObjectCipher cipher;
  private final SecureRandom random;

  public Envelope(ObjectCipher cipher, SecureRandom random) {
    this.cipher = cipher;
    this.random = random;
  }

  /** Compresses, encrypts and frames {@code payload} for storage under {@code objectName}. */
  public byte[] seal(String magic, String objectName, byte[] payload) {
    byte[] header = new byte[HEADER_LENGTH];
    byte[] salt = new byte[ObjectCipher.SALT_LENGTH];
    random.nextBytes(salt);
    ByteBuffer.wrap(header).put(magic.getBytes(StandardCharsets.US_ASCII)).put(VERSION).put(salt);
    byte[] compressed = Compressor.compress(payload);
    SecretKey key = cipher.objectKey(magic, salt);
    byte[] output = new byte[HEADER_LENGTH + compressed.length + ObjectCipher.TAG_LENGTH];
    System.arraycopy(header, 0, output, 0, HEADER_LENGTH);
    cipher.seal(
        key,
        ObjectCipher.nonce(0, 0),
        associatedData(header, objectName),
        compressed,
        0,
        compressed.length,
        output,
        HEADER_LENGTH);
    return output;
  }

  /**
   * Verifies and opens an object read from {@code objectName}.
   *
   * @throws DamagedObjectException naming the object if it is truncated, of another kind, altered,
   *     or stored under another name
   */
  public byte[] open(String magic, String objectName, byte[] stored) throws DamagedObjectException {
    if (stored.length < HEADER_LENGTH + ObjectCipher.TAG_LENGTH) {
      throw new DamagedObjectException(objectName, "truncated to " + stored.length + " bytes");
    }
    byte[] header = Arrays.copyOf(stored, HEADER_LENGTH);
    String actualMagic = new String(header, 0, 4, StandardCharsets.US_ASCII);
    if (!actualMagic.equals(magic)) {
      throw new DamagedObjectException(
          objectName, "expected a " + magic + " object, found '" + actualMagic + "'");
    }
    if (header[4] != VERSION) {
      throw new DamagedObjectException(objectName, "unknown object version " + header[4]);
    }
    byte[] salt = Arrays.copyOfRange(header, 5, HEADER_LENGTH);
    byte[] compressed;
    try {
      compressed =
          cipher.open(
              cipher.objectKey(magic, salt),
              ObjectCipher.nonce(0, 0),
              associatedData(header, objectName),
              stored,
              HEADER_LENGTH,
              stored.length - HEADER_LENGTH);
    } catch (AEADBadTagException e) {
      throw new DamagedObjectException(
          objectName, "authentication failed (altered, truncated or not of this repository)");
    }
    try {
      return Compressor.decompressFrame(compressed, MAXIMUM_PAYLOAD);
    } catch (IllegalArgumentException e) {
      throw new DamagedObjectException(objectName, e.getMessage());
    }
  }

  private static byte[] associatedData(byte[] header, String objectName) {
    byte[] name = objectName.getBytes(StandardCharsets.UTF_8);
    byte[] associated = Arrays.copyOf(header, header.length + name.length);
    System.arraycopy(name, 0, associated, header.length, name.length);
    return associated;
  }
}
