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
 * @param immutability how long objects are retained, or null for an ordinary repository; a
 *     repository with it also lists the required feature {@value FormatSupport#IMMUTABLE_OBJECTS},
 *     so that a Cairn unaware of retention refuses it instead of writing unprotected objects
 */
public record RepositoryConfig(
    String format,
    int version,
    String id,
    List<String> requiredFeatures,
    List<String> optionalFeatures,
    int blockSize,
    int packTargetSize,
    Instant created,
    Immutability immutability) {
  public static final String OBJECT_NAME = "config";
  public static final String FORMAT = "cairn-repository";

  /** A config without the immutability field, as every repository had before it. */
  public RepositoryConfig(
      String format,
      int version,
      String id,
      List<String> requiredFeatures,
      List<String> optionalFeatures,
      int blockSize,
      int packTargetSize,
      Instant created) {
    this(
        format,
        version,
        id,
        requiredFeatures,
        optionalFeatures,
        blockSize,
        packTargetSize,
        created,
        null);
  }

  /** Whether objects of this repository are written retained. */
  public boolean immutable() {
    return immutability != null;
  }
}
