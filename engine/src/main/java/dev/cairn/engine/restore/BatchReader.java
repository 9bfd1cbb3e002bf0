package dev.cairn.engine.restore;

import dev.cairn.repository.ChunkReader;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.index.BlobLocation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads a batch of chunks with as few store requests as possible: chunks are grouped by pack and
 * neighbouring blobs are fetched in one ranged read (a backup writes a disk's blocks into a pack in
 * order, so a batch is usually one read). Each chunk is still verified on its own. Used by restore
 * and by copy. Thread-safe as its {@link ChunkReader} is.
 */
public final class BatchReader {
  /** Gaps up to this size between wanted blobs are read through rather than split. */
  private static final int MAXIMUM_GAP = 256 * 1024;

  private static final int MAXIMUM_RANGE = 8 * 1024 * 1024;

  private final ChunkReader reader;

  public BatchReader(ChunkReader reader) {
    this.reader = reader;
  }

  /** A wanted chunk and what to do with its data. */
  public interface Consumer {
    void accept(int slot, byte[] data) throws IOException;
  }

  /** Reads {@code ids} (null entries skipped) and hands each plaintext to {@code consumer}. */
  public void read(ChunkId[] ids, Consumer consumer) throws IOException {
    record Wanted(int slot, BlobLocation location) {}
    List<Wanted> wanted = new ArrayList<>();
    for (int slot = 0; slot < ids.length; slot++) {
      if (ids[slot] != null) {
        wanted.add(new Wanted(slot, reader.locate(ids[slot])));
      }
    }
    wanted.sort(
        Comparator.comparing((Wanted w) -> w.location().pack().hex())
            .thenComparingInt(w -> w.location().entry().offset()));
    int i = 0;
    while (i < wanted.size()) {
      BlobLocation first = wanted.get(i).location();
      long start = first.entry().offset();
      long end = start + first.entry().storedLength();
      int j = i + 1;
      while (j < wanted.size()) {
        BlobLocation next = wanted.get(j).location();
        long nextEnd = next.entry().offset() + next.entry().storedLength();
        if (!next.pack().equals(first.pack())
            || next.entry().offset() - end > MAXIMUM_GAP
            || nextEnd - start > MAXIMUM_RANGE) {
          break;
        }
        end = Math.max(end, nextEnd);
        j++;
      }
      byte[] range = reader.readPackRange(first.pack(), start, (int) (end - start));
      for (int k = i; k < j; k++) {
        BlobLocation location = wanted.get(k).location();
        byte[] data =
            reader.decode(
                location.pack(),
                location.entry(),
                range,
                (int) (location.entry().offset() - start));
        consumer.accept(wanted.get(k).slot(), data);
      }
      i = j;
    }
  }
}
