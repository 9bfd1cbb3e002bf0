package dev.cairn.engine.copy;

import java.util.List;

/**
 * Which restore points to copy.
 *
 * @param vms copy only points of these VMs (empty: every VM)
 * @param points copy exactly these points (ids or unique prefixes of at least 4 hex digits); empty:
 *     choose by {@code vms} and {@code backfill}
 * @param backfill when choosing (no {@code points}), also copy points older than the target's
 *     newest point of their VM; without it those are left out, so that a point the target's own
 *     retention forgot is not copied back on the next run
 * @param verifyData before committing a copied point, read back and verify every chunk it
 *     references in the target (the structural verification always runs)
 */
public record CopyRequest(
    List<String> vms, List<String> points, boolean backfill, boolean verifyData) {
  public CopyRequest {
    vms = List.copyOf(vms);
    points = List.copyOf(points);
  }

  /** Every point of every VM that the target does not have and is newer than its newest copy. */
  public static CopyRequest newPoints() {
    return new CopyRequest(List.of(), List.of(), false, false);
  }
}
