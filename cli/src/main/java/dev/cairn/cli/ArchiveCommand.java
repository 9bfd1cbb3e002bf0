package dev.cairn.cli;

import dev.cairn.engine.archive.ArchiveResult;
import dev.cairn.engine.archive.Archiver;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "archive",
    description =
        "Move the data packs that only old restore points use to the store's archive tier (Azure"
            + " Archive; on S3, GLACIER, or DEEP_ARCHIVE with CAIRN_S3_ARCHIVE_CLASS). Packs a newer"
            + " point shares stay online; indexes, manifests and block maps"
            + " never move, so points, check and restore planning need no rehydration. Safe to"
            + " interrupt and run again.")
final class ArchiveCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Cutoff cutoff;

  static final class Cutoff {
    @Option(
        names = "--older-than",
        paramLabel = "AGE",
        description =
            "Archive points older than this, e.g. 90d (Azure Archive and S3 Deep Archive bill at"
                + " least 180 days, S3 Glacier 90).")
    String olderThan;

    @Option(
        names = "--before",
        paramLabel = "TIME",
        description = "Archive points made before this instant, e.g. 2026-08-01T00:00:00Z.")
    String before;
  }

  @Option(names = "--dry-run", description = "Show what would move; change nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      Instant before = cutoff(opened);
      ArchiveResult result = new Archiver(opened, progress).archive(before, dryRun);
      progress.close();
      if (!dryRun && result.packsArchived() > 0) {
        opened
            .audit()
            .record(
                "archive",
                Map.of(
                    "before", before.toString(),
                    "packsArchived", String.valueOf(result.packsArchived()),
                    "bytesArchived", String.valueOf(result.bytesArchived())));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, result);
      } else {
        print(out, result);
      }
    }
    return 0;
  }

  private Instant cutoff(Repository opened) throws CairnException {
    try {
      if (cutoff.before != null) {
        return Instant.parse(cutoff.before);
      }
      return opened.clock().instant().minus(Durations.parse("--older-than", cutoff.olderThan));
    } catch (DateTimeParseException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot archive: --before takes an instant such as 2026-08-01T00:00:00Z, not '"
              + cutoff.before
              + "'");
    } catch (IllegalArgumentException e) {
      throw new CairnException(ErrorCode.INVALID_INPUT, "Cannot archive: " + e.getMessage());
    }
  }

  static void print(PrintWriter out, ArchiveResult result) {
    out.printf(
        Locale.ROOT,
        "%s %d data pack(s) (%s) to the archive tier: used only by the %d restore point(s) made"
            + " before %s.%n",
        result.dryRun() ? "Would move" : "Moved",
        result.packsArchived(),
        Output.bytes(result.bytesArchived()),
        result.olderPoints(),
        result.before());
    out.printf(
        Locale.ROOT,
        "Already archived: %d pack(s) (%s). Kept online, shared with the %d newer point(s): %d"
            + " pack(s) (%s).%s%n",
        result.packsAlreadyArchived(),
        Output.bytes(result.bytesAlreadyArchived()),
        result.newerPoints(),
        result.sharedPacksKeptOnline(),
        Output.bytes(result.sharedBytesKeptOnline()),
        result.packsRehydrating() == 0
            ? ""
            : " Left alone, being rehydrated for a restore: " + result.packsRehydrating() + ".");
  }
}
