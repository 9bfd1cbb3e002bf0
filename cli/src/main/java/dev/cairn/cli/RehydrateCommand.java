package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "rehydrate",
    description =
        "Bring the archived data packs of a restore point back online (all its disks, or one) and"
            + " wait: before an export or copy of the point, or to restore it later without"
            + " waiting. Rehydrated packs stay online until the next archive.")
final class RehydrateCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--point",
      required = true,
      paramLabel = "ID",
      description = "Restore point id or unique prefix.")
  String point;

  @Option(names = "--disk", paramLabel = "INDEX", description = "Only this disk (default: all).")
  Integer disk;

  @Option(
      names = "--priority",
      required = true,
      paramLabel = "PRIORITY",
      description = "standard (up to 15 h) or high (under 1 h, costs more).")
  String priority;

  @Option(
      names = "--wait-timeout",
      paramLabel = "DURATION",
      description =
          "How long to wait (default "
              + RehydrationOptions.DEFAULT_WAIT
              + "); run again to keep waiting.")
  String waitTimeout = RehydrationOptions.DEFAULT_WAIT;

  @Override
  public Integer call() throws Exception {
    try (Repository opened = repository.open()) {
      RestorePoint found = opened.points().find(point);
      if (disk != null && (disk < 0 || disk >= found.disks().size())) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot rehydrate disk "
                + disk
                + " of restore point "
                + found.shortId()
                + ": it has "
                + found.disks().size()
                + " disk(s), numbered from 0");
      }
      List<Integer> disks = new ArrayList<>();
      for (int i = 0; i < found.disks().size(); i++) {
        if (disk == null || disk == i) {
          disks.add(i);
        }
      }
      RehydrationOptions options = new RehydrationOptions();
      options.priority = priority;
      options.waitTimeout = waitTimeout;
      options.ensureOnline(opened, found, disks, "rehydrate", spec.commandLine().getErr());
      spec.commandLine()
          .getOut()
          .println("Every data pack of " + found.shortId() + " that was asked for is online.");
    }
    return 0;
  }
}
