package dev.cairn.cli;

import picocli.CommandLine.Option;

/** The options of commands that act on one disk of one restore point (restore, export). */
final class PointSelection {
  @Option(
      names = "--point",
      required = true,
      paramLabel = "ID",
      description = "Restore point id or unique prefix.")
  String point;

  @Option(names = "--disk", paramLabel = "INDEX", description = "Disk index, from 0 (default 0).")
  int disk;
}
