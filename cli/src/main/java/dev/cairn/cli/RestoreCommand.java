package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.restore.NbdRestoreTarget;
import dev.cairn.engine.restore.RestoreEngine;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "restore",
    description =
        "Restore one disk of a restore point to a file (sparse), a block device or an NBD"
            + " export.")
final class RestoreCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin PointSelection selection;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "PATH|URL",
      description =
          "Target file, block device or NBD export (nbd://..., written sparsely with"
              + " WRITE_ZEROES).")
  String target;

  @Mixin NbdOptions nbd;

  @Mixin RehydrationOptions rehydration;

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
      RestorePoint found = opened.points().find(selection.point);
      rehydration.ensureOnline(
          opened, found, List.of(selection.disk), "restore", spec.commandLine().getErr());
      long started = System.nanoTime();
      RestoreEngine engine = new RestoreEngine(opened, workers, progress);
      RestoreEngine.RestoreResult result;
      if (NbdUrl.isNbdUrl(target)) {
        long size =
            found.disks().isEmpty() || selection.disk < 0 || selection.disk >= found.disks().size()
                ? 0
                : found.disks().get(selection.disk).sizeBytes();
        try (NbdRestoreTarget export =
            NbdRestoreTarget.open(
                NbdOptions.parse("--to", target), size, nbd.clientOptions(), workers)) {
          result = engine.restoreDisk(found, selection.disk, export);
        }
      } else {
        result = engine.restoreDisk(found, selection.disk, Path.of(target), overwrite);
      }
      progress.close();
      opened
          .audit()
          .record(
              "restore",
              java.util.Map.of(
                  "point",
                  found.id(),
                  "disk",
                  String.valueOf(selection.disk),
                  "target",
                  result.target()));
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "Restored disk %d of %s (%s) to %s in %s; every chunk verified.%n",
              selection.disk,
              found.shortId(),
              Output.bytes(result.sizeBytes()),
              result.target(),
              Output.duration((System.nanoTime() - started) / 1_000_000));
    }
    return 0;
  }
}
