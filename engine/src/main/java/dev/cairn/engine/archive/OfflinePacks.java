package dev.cairn.engine.archive;

import dev.cairn.repository.pack.PackId;
import dev.cairn.storage.RehydratePriority;
import java.util.List;
import java.util.Locale;

/**
 * The data packs a restore needs that are not online now.
 *
 * @param pointId the restore point
 * @param packsNeeded every data pack the restored disks read, online or not
 * @param archived packs in the archive tier with no rehydration pending
 * @param rehydrating packs whose rehydration was asked for earlier and has not finished
 * @param bytes the size of the archived and rehydrating packs together
 */
public record OfflinePacks(
    String pointId, int packsNeeded, List<PackId> archived, List<PackId> rehydrating, long bytes) {
  public OfflinePacks {
    archived = List.copyOf(archived);
    rehydrating = List.copyOf(rehydrating);
  }

  /** Nothing offline: the restore can read everything now. */
  public boolean isEmpty() {
    return archived.isEmpty() && rehydrating.isEmpty();
  }

  /** Archived and rehydrating packs together. */
  public int count() {
    return archived.size() + rehydrating.size();
  }

  /**
   * The estimate shown before rehydrating: what, how much, and how long the services usually take
   * (Azure's figures: up to 15 hours at standard priority, under an hour at high for objects up to
   * 10 GiB; packs are 16 MiB).
   */
  public String estimate(RehydratePriority priority) {
    return String.format(
        Locale.ROOT,
        "%d of the %d data pack(s) this restore reads are archived (%s%s); rehydrating them at %s"
            + " priority typically takes %s.",
        count(),
        packsNeeded,
        mebibytes(bytes),
        rehydrating.isEmpty() ? "" : ", " + rehydrating.size() + " already being rehydrated",
        priority.name().toLowerCase(Locale.ROOT),
        typicalWait(priority));
  }

  /** What the service says about the wait, for messages. */
  public static String typicalWait(RehydratePriority priority) {
    return priority == RehydratePriority.HIGH ? "under 1 hour" : "up to 15 hours";
  }

  static String mebibytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
