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
 */
public record CheckReport(
    List<String> problems,
    List<String> notices,
    List<String> damagedPoints,
    int pointsChecked,
    int packsChecked,
    long chunksVerified) {
  public boolean ok() {
    return problems.isEmpty();
  }
}
