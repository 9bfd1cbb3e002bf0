package dev.cairn.cli;

import dev.cairn.engine.repair.IndexRepair;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "repair-index",
    description =
        "Rebuild index objects from the packs' own trailers (after an index object was lost or"
            + " damaged); only adds objects, then removes damaged index objects it has replaced.")
final class RepairIndexCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (Repository opened = repository.openUncached();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      IndexRepair.RepairResult result = new IndexRepair(opened, progress).repair();
      progress.close();
      opened
          .audit()
          .record(
              "repair-index",
              java.util.Map.of(
                  "packsReindexed", String.valueOf(result.packsReindexed()),
                  "damagedIndexesRemoved", String.join(",", result.damagedIndexesRemoved())));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, result);
      } else {
        for (String problem : result.problems()) {
          out.println("error: " + problem);
        }
        for (String removed : result.damagedIndexesRemoved()) {
          out.println("removed damaged " + removed);
        }
        out.printf(
            "Indexed %d pack(s) again (%d chunks) from their trailers.%n",
            result.packsReindexed(), result.chunksReindexed());
      }
      return result.problems().isEmpty() ? 0 : ErrorCode.DAMAGED_DATA.exitStatus();
    }
  }
}
