package dev.cairn.engine.check;

import java.util.List;

/**
 * What check found.
 *
 * @param problems damage, each naming the object and the cause; empty when the repository is sound
 * @param notices things that are not damage (unindexed packs left by an interrupted backup)
 * @param damagedPoints ids of restore points that cannot be fully restored
 * @param pointsChecked restore points walked
 * @param packsChecked packs known to the index
 * @param chunksVerified chunks decrypted and verified (with --read-data)
 * @param archivedPacksSkipped packs selected for data verification that are in the store's archive
 *     tier and were not read (rehydrating them only to check them would cost hours and money)
 */
public record CheckReport(
    List<String> problems,
    List<String> notices,
    List<String> damagedPoints,
    int pointsChecked,
    int packsChecked,
    long chunksVerified,
    int archivedPacksSkipped) {
  public boolean ok() {
    return problems.isEmpty();
  }
}
