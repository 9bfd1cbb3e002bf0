package dev.cairn.nbd.client;

import java.util.Map;
import java.util.TreeMap;

/**
 * The parts of a read request that reply chunks have covered, so that an overlapping chunk is
 * caught and a reply that claims success while leaving a gap is refused (the gap would otherwise
 * hand the caller stale bytes). Adjacent ranges merge, so chunks sent in order cost O(1) space; the
 * number of separate ranges is capped so a hostile server cannot make it grow without bound.
 */
final class CoveredRanges {
  static final int MAX_RANGES = 65_536;

  /** Start to end (exclusive) of disjoint, non-adjacent ranges. */
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  private long covered;

  /** Adds {@code [start, end)}; returns false if it overlaps a range already covered. */
  boolean add(long start, long end) throws ProtocolViolation {
    Map.Entry<Long, Long> before = ranges.floorEntry(start);
    if (before != null && before.getValue() > start) {
      return false;
    }
    Map.Entry<Long, Long> after = ranges.ceilingEntry(start);
    if (after != null && after.getKey() < end) {
      return false;
    }
    long mergedStart = start;
    long mergedEnd = end;
    if (before != null && before.getValue() == start) {
      mergedStart = before.getKey();
      ranges.remove(before.getKey());
    }
    if (after != null && after.getKey() == end) {
      mergedEnd = after.getValue();
      ranges.remove(after.getKey());
    }
    if (ranges.size() >= MAX_RANGES) {
      throw new ProtocolViolation(
          "it split one read reply into more than %d separate pieces".formatted(MAX_RANGES));
    }
    ranges.put(mergedStart, mergedEnd);
    covered += end - start;
    return true;
  }

  /** Total bytes covered. */
  long covered() {
    return covered;
  }
}
