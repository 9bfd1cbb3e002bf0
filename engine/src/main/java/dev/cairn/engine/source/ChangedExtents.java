package dev.cairn.engine.source;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The byte ranges of a disk that changed since the parent restore point, as CBT or a dirty bitmap
 * reports them, turned into sorted, merged ranges of whole blocks. Memory is proportional to the
 * number of separate ranges, not to the disk size.
 */
public final class ChangedExtents {
  private final long[] starts; // first block of each range
  private final long[] ends; // one past the last block

  private ChangedExtents(long[] starts, long[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  /** A byte range. */
  public record Extent(long offset, long length) {}

  /**
   * Reads a file of {@code OFFSET LENGTH} lines (decimal bytes; blank lines and {@code #} comments
   * ignored).
   *
   * @throws CairnException naming the file and line when it is missing or malformed
   */
  public static List<Extent> parse(Path file) throws CairnException {
    List<Extent> extents = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
          continue;
        }
        String[] fields = trimmed.split("\\s+");
        try {
          if (fields.length != 2) {
            throw new NumberFormatException("expected OFFSET LENGTH");
          }
          long offset = Long.parseLong(fields[0]);
          long length = Long.parseLong(fields[1]);
          if (offset < 0 || length < 0 || offset + length < 0) {
            throw new NumberFormatException("negative or overflowing range");
          }
          extents.add(new Extent(offset, length));
        } catch (NumberFormatException e) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot read changed extents "
                  + file
                  + " line "
                  + number
                  + ": '"
                  + trimmed
                  + "' is not OFFSET LENGTH in bytes ("
                  + e.getMessage()
                  + ")");
        }
      }
    } catch (CairnException e) {
      throw e; // a malformed line, already naming the file and line
    } catch (NoSuchFileException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot read changed extents " + file + ": no such file");
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot read changed extents " + file + ": " + e.getMessage());
    }
    return extents;
  }

  /**
   * Converts byte extents to block ranges of a disk of {@code diskSize} bytes.
   *
   * @throws CairnException if an extent lies beyond the end of the disk
   */
  public static ChangedExtents of(List<Extent> extents, int blockSize, long diskSize, String source)
      throws CairnException {
    List<long[]> ranges = new ArrayList<>();
    for (Extent extent : extents) {
      if (extent.length() == 0) {
        continue;
      }
      if (extent.offset() + extent.length() > diskSize) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot use changed extent "
                + extent.offset()
                + "+"
                + extent.length()
                + " of "
                + source
                + ": it ends past the disk's "
                + diskSize
                + " bytes");
      }
      long first = extent.offset() / blockSize;
      long last = (extent.offset() + extent.length() - 1) / blockSize;
      ranges.add(new long[] {first, last + 1});
    }
    ranges.sort((a, b) -> Long.compare(a[0], b[0]));
    List<long[]> merged = new ArrayList<>();
    for (long[] range : ranges) {
      if (!merged.isEmpty() && merged.getLast()[1] >= range[0]) {
        merged.getLast()[1] = Math.max(merged.getLast()[1], range[1]);
      } else {
        merged.add(range.clone());
      }
    }
    long[] starts = new long[merged.size()];
    long[] ends = new long[merged.size()];
    for (int i = 0; i < merged.size(); i++) {
      starts[i] = merged.get(i)[0];
      ends[i] = merged.get(i)[1];
    }
    return new ChangedExtents(starts, ends);
  }

  /** Whether any block in {@code [firstBlock, endBlock)} changed. */
  public boolean touches(long firstBlock, long endBlock) {
    if (firstBlock >= endBlock) {
      return false;
    }
    int i = firstRangeEndingAfter(firstBlock);
    return i < starts.length && starts[i] < endBlock;
  }

  /** Calls {@code action} with every changed block in {@code [firstBlock, endBlock)}, in order. */
  public long[] blocksIn(long firstBlock, long endBlock) {
    long[] buffer = new long[16];
    int count = 0;
    for (int i = firstRangeEndingAfter(firstBlock);
        i < starts.length && starts[i] < endBlock;
        i++) {
      for (long block = Math.max(starts[i], firstBlock);
          block < Math.min(ends[i], endBlock);
          block++) {
        if (count == buffer.length) {
          buffer = Arrays.copyOf(buffer, count * 2);
        }
        buffer[count++] = block;
      }
    }
    return Arrays.copyOf(buffer, count);
  }

  /** Number of changed blocks. */
  public long blockCount() {
    long count = 0;
    for (int i = 0; i < starts.length; i++) {
      count += ends[i] - starts[i];
    }
    return count;
  }

  private int firstRangeEndingAfter(long block) {
    int low = 0;
    int high = starts.length;
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (ends[middle] <= block) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
