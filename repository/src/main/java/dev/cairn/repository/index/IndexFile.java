package dev.cairn.repository.index;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.crypto.Envelope;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackKind;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An index object {@code index/<id>}: for a set of packs, the entries of each. Encoded as
 *
 * <pre>
 * packCount (4)
 * per pack: kind (1) | pack id (32) | entryCount (4) | entryCount serialized BlobEntry rows
 * </pre>
 *
 * inside an {@link Envelope} with magic "CRNI". Written only after every pack it names is durable.
 */
public record IndexFile(List<PackEntries> packs) {
  public static final String PREFIX = "index/";
  public static final String MAGIC = "CRNI";

  /** The entries of one pack. */
  public record PackEntries(PackId pack, List<BlobEntry> entries) {}

  public int entryCount() {
    return packs.stream().mapToInt(pack -> pack.entries().size()).sum();
  }

  public byte[] encode() {
    int size = 4;
    for (PackEntries pack : packs) {
      size += 1 + 32 + 4 + pack.entries().size() * BlobEntry.SERIALIZED_LENGTH;
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    buffer.putInt(packs.size());
    for (PackEntries pack : packs) {
      buffer.put((byte) pack.pack().kind().code());
      buffer.put(pack.pack().idBytes());
      buffer.putInt(pack.entries().size());
      for (BlobEntry entry : pack.entries()) {
        entry.writeTo(buffer);
      }
    }
    return buffer.array();
  }

  /**
   * Decodes a payload read from {@code objectName}.
   *
   * @throws DamagedObjectException if the payload is malformed
   */
  public static IndexFile decode(byte[] payload, String objectName) throws DamagedObjectException {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(payload);
      int packCount = buffer.getInt();
      if (packCount < 0 || packCount > payload.length / 37) {
        throw new DamagedObjectException(objectName, "impossible pack count " + packCount);
      }
      List<PackEntries> packs = new ArrayList<>(packCount);
      for (int i = 0; i < packCount; i++) {
        PackKind kind = PackKind.fromCode(buffer.get());
        byte[] id = new byte[32];
        buffer.get(id);
        int count = buffer.getInt();
        if (count < 0 || count > buffer.remaining() / BlobEntry.SERIALIZED_LENGTH) {
          throw new DamagedObjectException(objectName, "impossible entry count " + count);
        }
        List<BlobEntry> entries = new ArrayList<>(count);
        for (int j = 0; j < count; j++) {
          entries.add(BlobEntry.readFrom(buffer));
        }
        packs.add(new PackEntries(new PackId(HexFormat.of().formatHex(id), kind), entries));
      }
      if (buffer.hasRemaining()) {
        throw new DamagedObjectException(objectName, "trailing bytes after the last pack");
      }
      return new IndexFile(packs);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new DamagedObjectException(objectName, "malformed index: " + e.getMessage());
    }
  }
}
