package dev.cairn.cli;

import dev.cairn.repository.Repository;
import dev.cairn.repository.lock.LockInfo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "unlock",
    description =
        "Remove stale locks (of dead processes on this host, or not refreshed for 30 minutes).")
final class UnlockCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--remove-all",
      description = "Remove every lock, even live ones. Only when no Cairn runs.")
  boolean removeAll;

  @Override
  public Integer call() throws Exception {
    try (Repository opened = repository.open()) {
      List<LockInfo> removed =
          removeAll ? opened.locks().removeAll() : opened.locks().removeStale();
      opened
          .audit()
          .record(
              removeAll ? "unlock.all" : "unlock",
              java.util.Map.of("removed", String.valueOf(removed.size())));
      for (LockInfo lock : removed) {
        spec.commandLine().getOut().println("Removed " + lock.describe());
      }
      spec.commandLine().getOut().println("Removed " + removed.size() + " lock(s).");
    }
    return 0;
  }
}
