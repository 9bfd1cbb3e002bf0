package dev.cairn.engine.archive;

import java.time.Instant;

/**
 * What {@link Archiver#archive} did, or with a dry run would do.
 *
 * @param before points older than this instant were archived
 * @param olderPoints restore points older than {@code before}
 * @param newerPoints restore points at or after {@code before}, whose data stays online
 * @param packsArchived data packs moved to the archive tier by this run
 * @param bytesArchived their size
 * @param packsAlreadyArchived packs only old points use that an earlier run archived
 * @param bytesAlreadyArchived their size
 * @param packsRehydrating packs only old points use that a restore is rehydrating: left alone
 * @param sharedPacksKeptOnline packs old points use that a newer point uses too
 * @param sharedBytesKeptOnline their size
 * @param dryRun whether nothing was changed
 */
public record ArchiveResult(
    Instant before,
    int olderPoints,
    int newerPoints,
    int packsArchived,
    long bytesArchived,
    int packsAlreadyArchived,
    long bytesAlreadyArchived,
    int packsRehydrating,
    int sharedPacksKeptOnline,
    long sharedBytesKeptOnline,
    boolean dryRun) {}
