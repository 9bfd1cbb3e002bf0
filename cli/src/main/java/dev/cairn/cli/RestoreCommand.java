package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.restore.RestoreEngine;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "restore",
    description = "Restore one disk of a restore point to a file (sparse) or a block device.")
final class RestoreCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--point",
      required = true,
      paramLabel = "ID",
      description = "Restore point id or unique prefix.")
  String point;

  @Option(names = "--disk", paramLabel = "INDEX", description = "Disk index, from 0 (default 0).")
  int disk;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "PATH",
      description = "Target file or block device.")
  Path target;

  @Option(names = "--overwrite", description = "Replace an existing file.")
  boolean overwrite;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Parallel workers (default: cores + 1).")
  int workers = BackupEngine.defaultWorkers();

  @Override
  public Integer call() throws Exception {
    try (Repository opened = repository.open();
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      RestorePoint found = opened.points().find(point);
      long started = System.nanoTime();
      RestoreEngine.RestoreResult result =
          new RestoreEngine(opened, workers, progress).restoreDisk(found, disk, target, overwrite);
      progress.close();
      opened
          .audit()
          .record(
              "restore",
              java.util.Map.of(
                  "point", found.id(), "disk", String.valueOf(disk), "target", target.toString()));
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "Restored disk %d of %s (%s) to %s in %s; every chunk verified.%n",
              disk,
              found.shortId(),
              Output.bytes(result.sizeBytes()),
              result.target(),
              Output.duration((System.nanoTime() - started) / 1_000_000));
    }
    return 0;
  }
}
