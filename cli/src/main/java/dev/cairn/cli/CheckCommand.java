package dev.cairn.cli;

import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.check.Checker;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "check",
    description = "Verify the repository's structure, and with --read-data every chunk's content.")
final class CheckCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--read-data", description = "Decrypt and verify every chunk.")
  boolean readData;

  @Option(
      names = "--read-data-subset",
      paramLabel = "PERCENT",
      description = "Decrypt and verify the chunks of this percentage of packs (e.g. 10%%).")
  String subset;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    int percent = readData ? 100 : subset == null ? 0 : parsePercent(subset);
    try (Repository opened = repository.openUncached();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      CheckReport report = new Checker(opened, progress).check(percent);
      progress.close();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, report);
      } else {
        for (String problem : report.problems()) {
          out.println("error: " + problem);
        }
        for (String notice : report.notices()) {
          out.println("note: " + notice);
        }
        out.printf(
            "%s: %d restore points, %d packs checked%s.%n",
            report.ok() ? "No errors found" : report.problems().size() + " error(s) found",
            report.pointsChecked(),
            report.packsChecked(),
            percent > 0 ? ", " + report.chunksVerified() + " chunks decrypted and verified" : "");
        if (!report.damagedPoints().isEmpty()) {
          out.println("Damaged restore points: " + String.join(", ", report.damagedPoints()));
        }
      }
      return report.ok() ? 0 : ErrorCode.DAMAGED_DATA.exitStatus();
    }
  }

  private int parsePercent(String text) {
    String digits = text.endsWith("%") ? text.substring(0, text.length() - 1) : text;
    try {
      int value = Integer.parseInt(digits);
      if (value < 1 || value > 100) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--read-data-subset takes a percentage from 1% to 100%, not " + text);
    }
  }
}
