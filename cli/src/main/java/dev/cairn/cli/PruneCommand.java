package dev.cairn.cli;

import dev.cairn.engine.prune.PruneResult;
import dev.cairn.engine.prune.Pruner;
import dev.cairn.repository.Repository;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "prune",
    description =
        "Delete data no restore point references (takes the exclusive lock). In an immutable"
            + " repository also extends the retention of data still in use.")
final class PruneCommand implements Callable<Integer> {
  static final double DEFAULT_MAXIMUM_UNUSED = 0.2;

  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--max-unused",
      paramLabel = "PERCENT",
      description = "Repack packs with more unused bytes than this (default 20%%).")
  String maximumUnused = "20%";

  @Option(names = "--dry-run", description = "Show what would be done; change nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    double fraction = parseFraction(maximumUnused);
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      PruneResult result = new Pruner(opened, progress).prune(fraction, dryRun);
      progress.close();
      if (!dryRun) {
        opened
            .audit()
            .record(
                "prune",
                java.util.Map.of(
                    "packsDeleted", String.valueOf(result.packsDeleted()),
                    "bytesFreed", String.valueOf(result.bytesFreed())));
      }
      if (json) {
        Output.json(spec.commandLine().getOut(), result);
      } else {
        print(spec.commandLine().getOut(), result);
      }
    }
    return 0;
  }

  static void print(PrintWriter out, PruneResult result) {
    out.printf(
        Locale.ROOT,
        "%s %s: %d packs deleted (%d of them repacked, %d unindexed), %d kept; %d live chunks in %d"
            + " restore points.%n",
        result.dryRun() ? "Would free" : "Freed",
        Output.bytes(result.bytesFreed()),
        result.packsDeleted() + result.unindexedPacksDeleted(),
        result.packsRepacked(),
        result.unindexedPacksDeleted(),
        result.packsKept(),
        result.liveChunks(),
        result.livePoints());
    if (result.packsRetained() > 0) {
      out.printf(
          Locale.ROOT,
          "%d packs are unreferenced but retained until %s; a later prune deletes them.%n",
          result.packsRetained(),
          result.retainedUntil());
    }
    if (result.retentionsExtended() > 0) {
      out.printf(
          Locale.ROOT,
          "Extended the retention of %d objects still in use.%n",
          result.retentionsExtended());
    }
  }

  private double parseFraction(String text) {
    String digits = text.endsWith("%") ? text.substring(0, text.length() - 1) : text;
    try {
      double value = Double.parseDouble(digits);
      if (value < 0 || value > 100) {
        throw new NumberFormatException();
      }
      return value / 100;
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--max-unused takes a percentage from 0% to 100%, not " + text);
    }
  }
}
