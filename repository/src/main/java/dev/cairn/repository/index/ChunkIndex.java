package dev.cairn.repository.index;

import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;

/**
 * The in-memory map chunk id -> pack location, built from the index files at open and extended as a
 * backup stores new chunks. Stored in flat primitive arrays (open addressing, about 80 bytes per
 * chunk) rather than objects, so that a 4 TiB repository of 64 KiB chunks fits in a few GiB and a
 * typical one in a few MiB. Thread-safe: many readers, one writer at a time.
 */
public final class ChunkIndex {
  private static final int EMPTY = 0;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final List<PackId> packs = new ArrayList<>();
  private final Map<PackId, Integer> packNumbers = new HashMap<>();
  private long[] words;
  private int[] packOfSlot; // pack number + 1; 0 marks an empty slot
  private int[] offsets;
  private int[] storedLengths;
  private int[] rawLengths;
  private byte[] codes;
  private int size;
  private int mask;

  public ChunkIndex() {
    allocate(1024);
  }

  /** The location of {@code id}, or null if the index does not know it. */
  public BlobLocation lookup(ChunkId id) {
    lock.readLock().lock();
    try {
      int slot = find(id);
      return slot < 0 ? null : locationAt(slot);
    } finally {
      lock.readLock().unlock();
    }
  }

  public boolean contains(ChunkId id) {
    lock.readLock().lock();
    try {
      return find(id) >= 0;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Records {@code entry} in {@code pack} unless the chunk is already known.
   *
   * @return true if added, false if the chunk was already indexed (the first location wins)
   */
  public boolean addIfAbsent(PackId pack, BlobEntry entry) {
    lock.writeLock().lock();
    try {
      if (find(entry.id()) >= 0) {
        return false;
      }
      if (size + 1 > (mask + 1) * 0.7) {
        rehash((mask + 1) * 2);
      }
      int number =
          packNumbers.computeIfAbsent(
              pack,
              key -> {
                packs.add(key);
                return packs.size() - 1;
              });
      int slot = insertionSlot(entry.id());
      ChunkId id = entry.id();
      words[slot * 4] = id.word0();
      words[slot * 4 + 1] = id.word1();
      words[slot * 4 + 2] = id.word2();
      words[slot * 4 + 3] = id.word3();
      packOfSlot[slot] = number + 1;
      offsets[slot] = entry.offset();
      storedLengths[slot] = entry.storedLength();
      rawLengths[slot] = entry.rawLength();
      codes[slot] = (byte) (entry.type().code() << 4 | entry.compression().code());
      size++;
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  public int size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Every pack that holds at least one indexed chunk. */
  public List<PackId> packs() {
    lock.readLock().lock();
    try {
      return List.copyOf(packs);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Calls {@code consumer} for every entry, under the read lock (do not add from it). */
  public void forEach(BiConsumer<PackId, BlobEntry> consumer) {
    lock.readLock().lock();
    try {
      for (int slot = 0; slot <= mask; slot++) {
        if (packOfSlot[slot] != EMPTY) {
          BlobLocation location = locationAt(slot);
          consumer.accept(location.pack(), location.entry());
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  private BlobLocation locationAt(int slot) {
    ChunkId id =
        new ChunkId(words[slot * 4], words[slot * 4 + 1], words[slot * 4 + 2], words[slot * 4 + 3]);
    int code = codes[slot];
    BlobEntry entry =
        new BlobEntry(
            id,
            BlobType.fromCode(code >>> 4),
            Compression.fromCode(code & 0xf),
            offsets[slot],
            storedLengths[slot],
            rawLengths[slot]);
    return new BlobLocation(packs.get(packOfSlot[slot] - 1), entry);
  }

  private int find(ChunkId id) {
    int slot = (int) mix(id.word0()) & mask;
    while (packOfSlot[slot] != EMPTY) {
      int base = slot * 4;
      if (words[base] == id.word0()
          && words[base + 1] == id.word1()
          && words[base + 2] == id.word2()
          && words[base + 3] == id.word3()) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  private int insertionSlot(ChunkId id) {
    int slot = (int) mix(id.word0()) & mask;
    while (packOfSlot[slot] != EMPTY) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private static long mix(long value) {
    // Chunk ids are already uniform (HMAC output); the mix only guards against crafted indexes.
    value ^= value >>> 33;
    value *= 0xff51afd7ed558ccdL;
    return value ^ (value >>> 33);
  }

  private void allocate(int capacity) {
    words = new long[capacity * 4];
    packOfSlot = new int[capacity];
    offsets = new int[capacity];
    storedLengths = new int[capacity];
    rawLengths = new int[capacity];
    codes = new byte[capacity];
    mask = capacity - 1;
  }

  private void rehash(int capacity) {
    long[] oldWords = words;
    int[] oldPacks = packOfSlot;
    int[] oldOffsets = offsets;
    int[] oldStored = storedLengths;
    int[] oldRaw = rawLengths;
    byte[] oldCodes = codes;
    allocate(capacity);
    for (int old = 0; old < oldPacks.length; old++) {
      if (oldPacks[old] == EMPTY) {
        continue;
      }
      int slot = (int) mix(oldWords[old * 4]) & mask;
      while (packOfSlot[slot] != EMPTY) {
        slot = (slot + 1) & mask;
      }
      System.arraycopy(oldWords, old * 4, words, slot * 4, 4);
      packOfSlot[slot] = oldPacks[old];
      offsets[slot] = oldOffsets[old];
      storedLengths[slot] = oldStored[old];
      rawLengths[slot] = oldRaw[old];
      codes[slot] = oldCodes[old];
    }
  }
}
