package dev.cairn.repository.config;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.util.Set;

/** What this build of Cairn can read and write, and the check every open performs. */
public final class FormatSupport {
  /** The newest format version this build reads and the one it writes. */
  public static final int VERSION = 1;

  /**
   * The required feature of immutable repositories: every object but locks is written retained
   * (config field {@code immutability}), and prune and forget respect retentions.
   */
  public static final String IMMUTABLE_OBJECTS = "immutable-objects";

  /** Required features this build implements. */
  public static final Set<String> KNOWN_FEATURES = Set.of(IMMUTABLE_OBJECTS);

  public static final int DEFAULT_BLOCK_SIZE = 64 * 1024;
  public static final int DEFAULT_PACK_TARGET_SIZE = 16 * 1024 * 1024;

  private FormatSupport() {}

  /**
   * Refuses a repository this build does not fully understand.
   *
   * @throws CairnException naming the repository and what is not supported
   */
  public static void requireSupported(RepositoryConfig config, String location)
      throws CairnException {
    if (!RepositoryConfig.FORMAT.equals(config.format())) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository "
              + location
              + ": not a Cairn repository ("
              + config.format()
              + ")");
    }
    if (config.version() > VERSION) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository "
              + location
              + ": its format version "
              + config.version()
              + " is newer than this Cairn supports ("
              + VERSION
              + "); upgrade Cairn");
    }
    if (config.version() < 1) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository " + location + ": invalid format version " + config.version());
    }
    if (config.id() == null || config.id().isBlank()) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository " + location + ": its config has no repository id");
    }
    for (String feature :
        config.requiredFeatures() == null ? Set.<String>of() : config.requiredFeatures()) {
      if (!KNOWN_FEATURES.contains(feature)) {
        throw new CairnException(
            ErrorCode.REPOSITORY_UNAVAILABLE,
            "Cannot open repository "
                + location
                + ": it requires feature '"
                + feature
                + "' that this Cairn does not support; upgrade Cairn");
      }
    }
    boolean declared =
        config.requiredFeatures() != null && config.requiredFeatures().contains(IMMUTABLE_OBJECTS);
    if (declared != config.immutable()) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository "
              + location
              + ": its config "
              + (declared
                  ? "requires feature '" + IMMUTABLE_OBJECTS + "' but has no immutability field"
                  : "has an immutability field but does not require '" + IMMUTABLE_OBJECTS + "'"));
    }
    if (config.blockSize() < 4096
        || config.blockSize() > 16 * 1024 * 1024
        || Integer.bitCount(config.blockSize()) != 1) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository " + location + ": invalid block size " + config.blockSize());
    }
  }
}
