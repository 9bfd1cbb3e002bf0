package dev.cairn.cli;

import dev.cairn.repository.Repository;
import dev.cairn.repository.audit.AuditEvent;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "audit",
    description =
        "Show the audit trail: init, key changes, restores, forget, prune, unlock, repairs and"
            + " version recoveries.")
final class AuditCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print a JSON array.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (Repository opened = repository.open()) {
      List<String> damaged = new ArrayList<>();
      List<AuditEvent> events = opened.audit().list(damage -> damaged.add(damage.getMessage()));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, events);
      } else {
        for (AuditEvent event : events) {
          out.printf(
              "%s  %-14s %s@%s pid %d  %s%n",
              event.time(),
              event.action(),
              event.user(),
              event.host(),
              event.pid(),
              event.details());
        }
      }
      for (String problem : damaged) {
        spec.commandLine().getErr().println("cairn: " + problem);
      }
      return damaged.isEmpty() ? 0 : dev.cairn.repository.ErrorCode.DAMAGED_DATA.exitStatus();
    }
  }
}
