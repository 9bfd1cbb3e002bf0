package dev.cairn.repository.config;

import java.time.Instant;
import java.util.List;

/**
 * The repository's {@code config} object (plain JSON, written once at init): what a reader must
 * understand before it touches anything else.
 *
 * @param format always "cairn-repository"
 * @param version the format version; readers refuse versions newer than they know
 * @param id random hex id of the repository
 * @param requiredFeatures features a reader must implement to read or write this repository
 * @param optionalFeatures features a reader may ignore
 * @param blockSize bytes per block of a disk's block map (65536 in v1)
 * @param packTargetSize bytes at which a pack is closed
 * @param created when {@code init} ran
 */
public record RepositoryConfig(
    String format,
    int version,
    String id,
    List<String> requiredFeatures,
    List<String> optionalFeatures,
    int blockSize,
    int packTargetSize,
    Instant created) {
  public static final String OBJECT_NAME = "config";
  public static final String FORMAT = "cairn-repository";
}
