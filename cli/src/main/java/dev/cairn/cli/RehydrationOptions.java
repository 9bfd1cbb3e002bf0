package dev.cairn.cli;

import dev.cairn.engine.archive.OfflinePacks;
import dev.cairn.engine.archive.Rehydrator;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.RehydratePriority;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --rehydrate} and {@code --wait-timeout}: what restore does when the data packs of a point
 * are in the archive tier. Without {@code --rehydrate} it fails before reading anything, naming how
 * much is archived and the option to use.
 */
final class RehydrationOptions {
  static final String DEFAULT_WAIT = "24h";

  @Option(
      names = "--rehydrate",
      paramLabel = "PRIORITY",
      description =
          "If data packs of the point are archived, rehydrate exactly those (standard: up to 15 h;"
              + " high: under 1 h, costs more), wait, then go on.")
  String priority;

  @Option(
      names = "--wait-timeout",
      paramLabel = "DURATION",
      description =
          "How long to wait for a rehydration (default "
              + DEFAULT_WAIT
              + "); run again to keep waiting.")
  String waitTimeout = DEFAULT_WAIT;

  /**
   * Makes the packs that restoring {@code disks} of {@code point} reads online, or fails.
   *
   * @param verb what the command does, for messages ("restore")
   */
  void ensureOnline(
      Repository repository, RestorePoint point, List<Integer> disks, String verb, PrintWriter err)
      throws IOException {
    RehydratePriority chosen = priority(verb);
    Duration timeout = timeout(verb);
    Rehydrator rehydrator =
        new Rehydrator(repository, Clock.systemUTC(), Rehydrator.Sleeper.SYSTEM);
    OfflinePacks offline = rehydrator.offlinePacks(point, disks);
    if (offline.isEmpty()) {
      return;
    }
    if (chosen == null) {
      // One line, as every failure: the estimate is in it.
      throw Rehydrator.archivedFailure(
          verb,
          offline,
          "run again with --rehydrate standard (typically up to 15 hours) or --rehydrate high"
              + " (under 1 hour, costs more)");
    }
    err.println("cairn: " + offline.estimate(chosen));
    err.flush();
    rehydrator.rehydrate(
        offline,
        chosen,
        timeout,
        message -> {
          err.println("cairn: " + message);
          err.flush();
        });
  }

  private RehydratePriority priority(String verb) throws CairnException {
    if (priority == null) {
      return null;
    }
    return switch (priority.toLowerCase(Locale.ROOT)) {
      case "standard" -> RehydratePriority.STANDARD;
      case "high" -> RehydratePriority.HIGH;
      default ->
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot " + verb + ": --rehydrate takes standard or high, not '" + priority + "'");
    };
  }

  private Duration timeout(String verb) throws CairnException {
    try {
      return Durations.parse("--wait-timeout", waitTimeout);
    } catch (IllegalArgumentException e) {
      throw new CairnException(ErrorCode.INVALID_INPUT, "Cannot " + verb + ": " + e.getMessage());
    }
  }
}
