package dev.cairn.vsphere.backup;

import java.util.Optional;

/**
 * A Changed Block Tracking change id as vSphere reports it on a disk backing, such as {@code "52 de
 * c0 d9 98 ae 2e da-b7 74 e6 c8 ca 9e 4f c5/14"}: an epoch (the identity of the disk's change
 * tracking file, new whenever tracking is reset) and a sequence number that grows with each
 * snapshot. Changes since an id can only be asked for within the same epoch, and only from an id
 * that is older than the disk's current one.
 *
 * @param text the id as vSphere wrote it; what is passed back to {@code QueryChangedDiskAreas}
 * @param epoch the part before the last {@code /}
 * @param sequence the number after the last {@code /}, or -1 when it has none (then the order of
 *     two ids of the same epoch is unknown)
 */
public record ChangeId(String text, String epoch, long sequence) {
  /** The pseudo id that asks vSphere for every allocated area of a disk. */
  public static final String ALL_ALLOCATED = "*";

  /** Parses a change id; empty for null, blank and {@code "*"}, which name no disk state. */
  public static Optional<ChangeId> parse(String text) {
    if (text == null || text.isBlank() || text.strip().equals(ALL_ALLOCATED)) {
      return Optional.empty();
    }
    String trimmed = text.strip();
    int slash = trimmed.lastIndexOf('/');
    if (slash < 0) {
      return Optional.of(new ChangeId(trimmed, trimmed, -1));
    }
    long sequence;
    try {
      sequence = Long.parseLong(trimmed.substring(slash + 1));
    } catch (NumberFormatException e) {
      sequence = -1;
    }
    return Optional.of(new ChangeId(trimmed, trimmed.substring(0, slash), sequence));
  }

  public boolean sameEpochAs(ChangeId other) {
    return epoch.equals(other.epoch);
  }

  @Override
  public String toString() {
    return text;
  }
}
