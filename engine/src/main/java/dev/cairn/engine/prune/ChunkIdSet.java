package dev.cairn.engine.prune;

import dev.cairn.repository.crypto.ChunkId;

/**
 * A set of chunk ids that keeps only the first 64 bits of each, in one open-addressing {@code
 * long[]}: 8-12 bytes per chunk instead of about 100 for a {@code HashSet}. Two ids sharing their
 * first 64 bits (probability about n^2 / 2^65) make {@link #contains} answer true for the other:
 * used as prune's live set, that only keeps a dead chunk a little longer. It must never be used to
 * decide that something was already visited (a collision would skip live data): prune tracks the
 * block-map pages it walked by full id. The archive planner uses it for the chunks that must stay
 * online, where a false "contains" likewise only keeps a pack online. Not thread-safe.
 */
public final class ChunkIdSet {
  private long[] slots = new long[1024];
  private int size;

  /** Adds {@code id}; returns false if (its prefix) was already present. */
  public boolean add(ChunkId id) {
    long key = key(id);
    if ((size + 1) * 10L > slots.length * 7L) {
      grow();
    }
    int mask = slots.length - 1;
    int slot = (int) mix(key) & mask;
    while (slots[slot] != 0) {
      if (slots[slot] == key) {
        return false;
      }
      slot = (slot + 1) & mask;
    }
    slots[slot] = key;
    size++;
    return true;
  }

  public boolean contains(ChunkId id) {
    long key = key(id);
    int mask = slots.length - 1;
    int slot = (int) mix(key) & mask;
    while (slots[slot] != 0) {
      if (slots[slot] == key) {
        return true;
      }
      slot = (slot + 1) & mask;
    }
    return false;
  }

  public int size() {
    return size;
  }

  private static long key(ChunkId id) {
    long key = id.word0();
    return key == 0 ? 1 : key; // 0 marks an empty slot; merging 0 into 1 only over-retains
  }

  private static long mix(long value) {
    value ^= value >>> 33;
    value *= 0xff51afd7ed558ccdL;
    return value ^ (value >>> 33);
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    int mask = slots.length - 1;
    for (long key : old) {
      if (key != 0) {
        int slot = (int) mix(key) & mask;
        while (slots[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        slots[slot] = key;
      }
    }
  }
}
