package dev.cairn.engine.prune;

/**
 * What prune did (or, for a dry run, would do).
 *
 * @param livePoints restore points whose data was kept
 * @param liveChunks chunks referenced by them
 * @param packsKept packs left as they were
 * @param packsRepacked partly used packs whose live chunks were copied into new packs
 * @param packsDeleted packs with no live chunk, plus repacked ones
 * @param unindexedPacksDeleted packs no index named (left by interrupted backups)
 * @param bytesFreed stored bytes deleted
 * @param bytesRepacked live stored bytes copied
 * @param dryRun true if nothing was changed
 * @param packsRetained unreferenced packs left because the store still retains them (immutable
 *     repositories); a later prune deletes them
 * @param retainedUntil when the last of those retentions ends, or null if there are none
 * @param retentionsExtended objects whose retention was extended (immutable repositories)
 */
public record PruneResult(
    int livePoints,
    long liveChunks,
    int packsKept,
    int packsRepacked,
    int packsDeleted,
    int unindexedPacksDeleted,
    long bytesFreed,
    long bytesRepacked,
    boolean dryRun,
    int packsRetained,
    java.time.Instant retainedUntil,
    long retentionsExtended) {

  /** This result with {@code count} retentions extended. */
  public PruneResult withRetentionsExtended(long count) {
    return new PruneResult(
        livePoints,
        liveChunks,
        packsKept,
        packsRepacked,
        packsDeleted,
        unindexedPacksDeleted,
        bytesFreed,
        bytesRepacked,
        dryRun,
        packsRetained,
        retainedUntil,
        count);
  }
}
