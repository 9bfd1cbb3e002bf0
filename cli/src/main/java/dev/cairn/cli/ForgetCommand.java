package dev.cairn.cli;

import dev.cairn.engine.prune.PruneResult;
import dev.cairn.engine.prune.Pruner;
import dev.cairn.engine.retention.Forgetter;
import dev.cairn.engine.retention.RetentionDecision;
import dev.cairn.engine.retention.RetentionPolicy;
import dev.cairn.repository.Repository;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "forget",
    description =
        "Delete restore points that a retention policy does not keep (per VM), and optionally prune.")
final class ForgetCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--vm", paramLabel = "NAME", description = "Only this VM (default: every VM).")
  String vm;

  @Option(names = "--keep-last", paramLabel = "N", description = "Keep the newest N points.")
  int last;

  @Option(
      names = "--keep-hourly",
      paramLabel = "N",
      description = "Keep the newest point of each of the last N hours.")
  int hourly;

  @Option(names = "--keep-daily", paramLabel = "N", description = "... of each of the last N days.")
  int daily;

  @Option(
      names = "--keep-weekly",
      paramLabel = "N",
      description = "... of each of the last N ISO weeks.")
  int weekly;

  @Option(
      names = "--keep-monthly",
      paramLabel = "N",
      description = "... of each of the last N months.")
  int monthly;

  @Option(
      names = "--keep-yearly",
      paramLabel = "N",
      description = "... of each of the last N years.")
  int yearly;

  @Option(
      names = "--time-zone",
      paramLabel = "ZONE",
      description = "Zone for day/week boundaries (default: system).")
  ZoneId zone = ZoneId.systemDefault();

  @Option(names = "--dry-run", description = "Show what would be deleted; delete nothing.")
  boolean dryRun;

  @Option(names = "--prune", description = "Run prune afterwards to free the space.")
  boolean prune;

  @Option(names = "--json", description = "Print decisions as JSON.")
  boolean json;

  @Option(
      names = "--point",
      paramLabel = "ID",
      description =
          "Forget this restore point (id or unique prefix; repeatable), even a damaged one,"
              + " instead of applying --keep-* rules.")
  List<String> points = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    RetentionPolicy policy = new RetentionPolicy(last, hourly, daily, weekly, monthly, yearly);
    if (!points.isEmpty()) {
      return forgetNamedPoints(policy);
    }
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      List<RetentionDecision> decisions = new Forgetter(opened).forget(policy, vm, zone, dryRun);
      PruneResult pruned = null;
      if (prune && !dryRun) {
        pruned = new Pruner(opened, progress).prune(PruneCommand.DEFAULT_MAXIMUM_UNUSED, false);
      }
      progress.close();
      if (!dryRun) {
        opened
            .audit()
            .record(
                "forget",
                java.util.Map.of(
                    "forgotten",
                    String.join(
                        ",",
                        decisions.stream()
                            .filter(decision -> !decision.keep())
                            .map(decision -> decision.point().id())
                            .toList()),
                    "pruned",
                    String.valueOf(pruned != null)));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Map<String, Object>> array = new ArrayList<>();
        for (RetentionDecision decision : decisions) {
          Map<String, Object> item = new LinkedHashMap<>();
          item.put("id", decision.point().id());
          item.put("vm", decision.point().vm().name());
          item.put("time", decision.point().time().toString());
          item.put("keep", decision.keep());
          item.put("reasons", decision.reasons());
          array.add(item);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dryRun", dryRun);
        result.put("decisions", array);
        result.put("prune", pruned);
        Output.json(out, result);
        return 0;
      }
      long removed = decisions.stream().filter(decision -> !decision.keep()).count();
      for (RetentionDecision decision : decisions) {
        out.printf(
            Locale.ROOT,
            "%-6s %s  %-20s  %s  %s%n",
            decision.keep() ? "keep" : (dryRun ? "would forget" : "forget"),
            decision.point().shortId(),
            decision.point().vm().name(),
            decision.point().time().toString().replaceFirst("\\.\\d+Z$", "Z"),
            String.join(", ", decision.reasons()));
      }
      out.printf(
          Locale.ROOT,
          "%s %d of %d restore points.%n",
          dryRun ? "Would forget" : "Forgot",
          removed,
          decisions.size());
      if (pruned != null) {
        PruneCommand.print(out, pruned);
      }
      return 0;
    }
  }

  private int forgetNamedPoints(RetentionPolicy policy) throws Exception {
    if (!policy.keepsNothing() || vm != null || dryRun) {
      throw new dev.cairn.repository.CairnException(
          dev.cairn.repository.ErrorCode.INVALID_INPUT,
          "Cannot forget: --point names points to delete; it does not combine with --keep-*,"
              + " --vm or --dry-run");
    }
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      List<String> forgotten = new Forgetter(opened).forgetPoints(points);
      opened
          .audit()
          .record(
              "forget",
              Map.of("forgotten", String.join(",", forgotten), "pruned", String.valueOf(prune)));
      PruneResult pruned =
          prune
              ? new Pruner(opened, progress).prune(PruneCommand.DEFAULT_MAXIMUM_UNUSED, false)
              : null;
      progress.close();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("forgotten", forgotten);
        result.put("prune", pruned);
        Output.json(out, result);
      } else {
        forgotten.forEach(id -> out.println("forgot " + id));
        if (pruned != null) {
          PruneCommand.print(out, pruned);
        }
      }
      return 0;
    }
  }
}
