package dev.cairn.repository.blockmap;

import dev.cairn.repository.crypto.ChunkId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * One page of a disk's block map: up to {@link #FANOUT} slots, each empty (a hole: all-zero data)
 * or a chunk id. A level-0 page (leaf) holds ids of data chunks, one per block; a level-n page
 * holds ids of level n-1 pages. Encoding, stored as a TREE blob:
 *
 * <pre>
 * level (1) | reserved 0 (1) | present count (2) | bitmap of present slots (128) | ids (32 each)
 * </pre>
 */
public final class BlockMapPage {
  /** Slots per page: 1024 blocks of 64 KiB make a 64 MiB leaf. Part of the format. */
  public static final int FANOUT = 1024;

  private static final int BITMAP_LENGTH = FANOUT / 8;
  private static final int HEADER_LENGTH = 4 + BITMAP_LENGTH;

  private BlockMapPage() {}

  /** Encodes {@code slots} (length {@link #FANOUT}, null = empty); null if every slot is empty. */
  public static byte[] encode(int level, ChunkId[] slots) {
    int present = 0;
    for (ChunkId slot : slots) {
      if (slot != null) {
        present++;
      }
    }
    if (present == 0) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.allocate(HEADER_LENGTH + present * ChunkId.LENGTH);
    buffer.put((byte) level).put((byte) 0).putShort((short) present);
    byte[] bitmap = new byte[BITMAP_LENGTH];
    for (int i = 0; i < FANOUT; i++) {
      if (slots[i] != null) {
        bitmap[i >> 3] |= (byte) (1 << (i & 7));
      }
    }
    buffer.put(bitmap);
    for (ChunkId slot : slots) {
      if (slot != null) {
        slot.writeTo(buffer);
      }
    }
    return buffer.array();
  }

  /**
   * Decodes a page and checks its level.
   *
   * @throws IllegalArgumentException if the page is malformed or not of {@code expectedLevel}
   */
  public static ChunkId[] decode(byte[] page, int expectedLevel) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(page);
      int level = buffer.get();
      buffer.get();
      int present = Short.toUnsignedInt(buffer.getShort());
      if (level != expectedLevel) {
        throw new IllegalArgumentException(
            "block map page of level " + level + " where level " + expectedLevel + " belongs");
      }
      if (present > FANOUT || page.length != HEADER_LENGTH + present * ChunkId.LENGTH) {
        throw new IllegalArgumentException("block map page of inconsistent length");
      }
      byte[] bitmap = new byte[BITMAP_LENGTH];
      buffer.get(bitmap);
      ChunkId[] slots = new ChunkId[FANOUT];
      int found = 0;
      for (int i = 0; i < FANOUT; i++) {
        if ((bitmap[i >> 3] & (1 << (i & 7))) != 0) {
          if (++found > present) {
            throw new IllegalArgumentException("block map page bitmap disagrees with its count");
          }
          slots[i] = ChunkId.fromBuffer(buffer);
        }
      }
      if (found != present) {
        throw new IllegalArgumentException("block map page bitmap disagrees with its count");
      }
      return slots;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated block map page");
    }
  }

  /** Levels a map needs for {@code blockCount} blocks: 1 up to 1024 blocks, 2 up to 1024^2... */
  public static int depthFor(long blockCount) {
    int depth = 1;
    long covered = FANOUT;
    while (covered < blockCount) {
      depth++;
      if (covered > Long.MAX_VALUE / FANOUT) {
        break; // FANOUT^depth exceeds every long: multiplying would overflow (and loop forever)
      }
      covered *= FANOUT;
    }
    return depth;
  }
}
