package dev.cairn.engine.copy;

import java.util.List;

/**
 * What a copy did.
 *
 * @param copied ids of the points committed in the target, oldest first
 * @param skipped ids of chosen points the target already had (same id), left alone
 * @param older ids of points the target lacks but that were not chosen because the target has a
 *     newer point of their VM (forgotten there, or never copied); {@link CopyRequest#backfill}
 *     copies them
 * @param warnings source manifests that could not be read, and the like
 * @param bytesRead plaintext bytes of data chunks read (and verified) from the source
 * @param bytesWritten bytes of sealed blobs added to packs in the target (after deduplication and
 *     compression)
 * @param chunksNew chunks (data and block-map pages) stored in the target
 * @param chunksExisting chunks read from the source that the target already had
 * @param chunksReused data chunks found in the target through a point both repositories share,
 *     without reading them from the source
 * @param leavesReused block-map leaves (64 MiB of disk each) taken whole from a point both share
 * @param chunksVerified data chunks read back from the target and verified (with verifyData)
 */
public record CopyResult(
    List<String> copied,
    List<String> skipped,
    List<String> older,
    List<String> warnings,
    long bytesRead,
    long bytesWritten,
    long chunksNew,
    long chunksExisting,
    long chunksReused,
    long leavesReused,
    long chunksVerified) {}
