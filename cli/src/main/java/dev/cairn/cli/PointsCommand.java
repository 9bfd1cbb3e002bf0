package dev.cairn.cli;

import dev.cairn.repository.Repository;
import dev.cairn.repository.point.DiskImage;
import dev.cairn.repository.point.RestorePoint;
import java.io.PrintWriter;
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

@Command(name = "points", description = "List restore points, oldest first.")
final class PointsCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--vm", paramLabel = "NAME", description = "Only the points of this VM.")
  String vm;

  @Option(names = "--json", description = "Print a JSON array.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (Repository opened = repository.open()) {
      List<RestorePoint> points =
          opened.points().all().stream()
              .filter(point -> vm == null || point.vm().name().equals(vm))
              .toList();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Map<String, Object>> array = new ArrayList<>();
        for (RestorePoint point : points) {
          array.add(toJson(point));
        }
        Output.json(out, array);
        return 0;
      }
      if (points.isEmpty()) {
        out.println("No restore points" + (vm == null ? "" : " of VM " + vm) + ".");
        return 0;
      }
      out.printf(
          Locale.ROOT,
          "%-8s  %-20s  %-20s  %5s  %10s  %10s  %s%n",
          "ID",
          "TIME (UTC)",
          "VM",
          "DISKS",
          "SIZE",
          "STORED",
          "TYPE");
      for (RestorePoint point : points) {
        out.printf(
            Locale.ROOT,
            "%-8s  %-20s  %-20s  %5d  %10s  %10s  %s%n",
            point.shortId(),
            point.time().toString().replaceFirst("\\.\\d+Z$", "Z"),
            point.vm().name(),
            point.disks().size(),
            Output.bytes(point.totalSizeBytes()),
            Output.bytes(point.statistics().bytesStored()),
            point.statistics().incremental() ? "incremental" : "full");
      }
      return 0;
    }
  }

  static Map<String, Object> toJson(RestorePoint point) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", point.id());
    json.put("vm", point.vm().name());
    json.put("vmId", point.vm().id());
    json.put("time", point.time().toString());
    json.put("host", point.host());
    json.put("parent", point.parent());
    json.put("tags", point.tags());
    json.put("disks", disksJson(point));
    json.put("statistics", point.statistics());
    json.put("warnings", point.warnings());
    return json;
  }

  static List<Map<String, Object>> disksJson(RestorePoint point) {
    List<Map<String, Object>> disks = new ArrayList<>();
    for (int i = 0; i < point.disks().size(); i++) {
      DiskImage disk = point.disks().get(i);
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("index", i);
      json.put("name", disk.name());
      json.put("source", disk.source());
      json.put("sizeBytes", disk.sizeBytes());
      disks.add(json);
    }
    return disks;
  }
}
