package dev.cairn.repository;

import dev.cairn.repository.compression.Compressor;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.BlobLocation;
import dev.cairn.repository.index.ChunkIndex;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackFormat;
import dev.cairn.repository.pack.PackId;
import dev.cairn.repository.pack.PackReader;
import dev.cairn.storage.NoSuchObjectException;
import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads chunks through the index and verifies each one three ways before returning it: the GCM tag
 * (authenticity, binding the blob to its id), the decompressed length, and the keyed hash of the
 * plaintext against the id. Damage is reported as a {@link DamagedObjectException} naming the pack
 * and chunk. Thread-safe.
 */
public final class ChunkReader {
  private static final int MAXIMUM_CACHED_PACK_KEYS = 4096;

  private final Repository repository;
  private final ChunkIndex index;
  private final ConcurrentHashMap<PackId, PackReader> packReaders = new ConcurrentHashMap<>();

  ChunkReader(Repository repository, ChunkIndex index) {
    this.repository = repository;
    this.index = index;
  }

  public ChunkIndex index() {
    return index;
  }

  /**
   * Reads and verifies chunk {@code id}.
   *
   * @throws DamagedObjectException if the chunk is not indexed, its pack is missing, or it fails
   *     verification
   */
  public byte[] read(ChunkId id) throws IOException {
    return read(locate(id));
  }

  /** Where {@code id} is stored, or a {@link DamagedObjectException} if the index lacks it. */
  public BlobLocation locate(ChunkId id) throws DamagedObjectException {
    BlobLocation location = index.lookup(id);
    if (location == null) {
      throw new DamagedObjectException("chunk " + id, "not in any index (missing data)");
    }
    return location;
  }

  public byte[] read(BlobLocation location) throws IOException {
    BlobEntry entry = location.entry();
    byte[] sealed = readPackRange(location.pack(), entry.offset(), entry.storedLength());
    return decode(location.pack(), entry, sealed, 0);
  }

  /**
   * Reads raw bytes of a pack, for callers that coalesce several blobs into one request.
   *
   * @throws DamagedObjectException if the pack is missing or shorter than the range
   */
  public byte[] readPackRange(PackId pack, long offset, int length) throws IOException {
    try {
      return repository.store().readRange(pack.objectName(), offset, length);
    } catch (NoSuchObjectException e) {
      throw new DamagedObjectException(pack.objectName(), "pack is missing");
    } catch (EOFException e) {
      throw new DamagedObjectException(
          pack.objectName(),
          "pack is truncated (range " + offset + "+" + length + " is past its end)");
    }
  }

  /**
   * Decrypts, decompresses and verifies a blob whose sealed bytes the caller read (for batched,
   * coalesced reads).
   */
  public byte[] decode(PackId pack, BlobEntry entry, byte[] buffer, int offset) throws IOException {
    byte[] plain = packReader(pack).openBlob(entry, buffer, offset);
    byte[] data;
    if (entry.compression() == Compression.ZSTD) {
      try {
        data = Compressor.decompress(plain, 0, plain.length, entry.rawLength());
      } catch (IllegalArgumentException e) {
        throw new DamagedObjectException(
            pack.objectName(), "chunk " + entry.id() + ": " + e.getMessage());
      }
    } else {
      data = plain;
      if (data.length != entry.rawLength()) {
        throw new DamagedObjectException(
            pack.objectName(), "chunk " + entry.id() + " has the wrong length " + data.length);
      }
    }
    if (!repository.hasher().hash(data, 0, data.length).equals(entry.id())) {
      throw new DamagedObjectException(
          pack.objectName(), "chunk " + entry.id() + " content does not match its id");
    }
    return data;
  }

  /** The decrypting reader of {@code pack}, reading its header on first use. */
  public PackReader packReader(PackId pack) throws IOException {
    PackReader reader = packReaders.get(pack);
    if (reader == null) {
      byte[] header;
      try {
        header = repository.store().readRange(pack.objectName(), 0, PackFormat.HEADER_LENGTH);
      } catch (NoSuchObjectException e) {
        throw new DamagedObjectException(pack.objectName(), "pack is missing");
      } catch (EOFException e) {
        throw new DamagedObjectException(pack.objectName(), "pack is truncated");
      }
      reader = new PackReader(repository.cipher(), pack, header);
      if (packReaders.size() >= MAXIMUM_CACHED_PACK_KEYS) {
        packReaders.clear();
      }
      packReaders.put(pack, reader);
    }
    return reader;
  }
}
