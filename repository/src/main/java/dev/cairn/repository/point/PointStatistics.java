package dev.cairn.repository.point;

/**
 * What a backup read and stored, kept for reports and for anomaly detection later (a sudden rise of
 * changed blocks with high entropy and poor compression is a ransomware signal).
 *
 * @param bytesRead bytes read from the source
 * @param bytesStored bytes of new packed data written (after dedup, compression, encryption)
 * @param newChunks chunks that were not in the repository before
 * @param changedBlocks blocks read whose content differs from the parent point (all non-zero blocks
 *     for a full)
 * @param zeroBlocks blocks read that were all zero
 * @param totalBlocks blocks in all disks
 * @param changedBytesCompressed zstd size of the changed blocks that were compressed
 * @param changedBytesRaw raw size of those same blocks; the ratio of the two is compressibility
 * @param changedDataEntropy Shannon entropy in bits per byte of a sample of the changed blocks (8.0
 *     = random, typical of encrypted data)
 * @param incremental true if only changed extents were read
 * @param durationMillis wall time of the backup
 */
public record PointStatistics(
    long bytesRead,
    long bytesStored,
    long newChunks,
    long changedBlocks,
    long zeroBlocks,
    long totalBlocks,
    long changedBytesCompressed,
    long changedBytesRaw,
    double changedDataEntropy,
    boolean incremental,
    long durationMillis) {}
