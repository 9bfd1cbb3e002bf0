package dev.cairn.qemu.backup;

import dev.cairn.qemu.block.BlockGraph;
import dev.cairn.qemu.qmp.QmpException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The temporary things a session creates, recognised by name: jobs, exports and nodes named {@code
 * cairn-...} in QEMU, files named {@code cairn-<qemu tag>-...} in the work directory. Removing them
 * all is how a session cleans up after itself and after a crashed predecessor. Safe because a
 * session holds the QMP connection for its whole life and QEMU serves one client per monitor: no
 * other Cairn session can be using them.
 *
 * <p>Bitmaps are not temporary: which ones to keep depends on the checkpoints (see {@link
 * CheckpointPlan}). The NBD server's socket is left to the session, which may reuse the server.
 */
final class TemporaryObjects {
  private final QemuBlockLayer blockLayer;
  private final Path workDir;
  private final String fileTag;
  private final Path serverSocket;

  TemporaryObjects(QemuBlockLayer blockLayer, Path workDir, String fileTag, Path serverSocket) {
    this.blockLayer = blockLayer;
    this.workDir = workDir;
    this.fileTag = fileTag;
    this.serverSocket = serverSocket;
  }

  /**
   * Removes every temporary job, export, node and file, in the order their dependencies need:
   * exports and jobs release the nodes, nodes release the files. Tries every step even when one
   * fails.
   *
   * @return what was removed, one description each
   * @throws QemuBackupException the first failure, later ones suppressed
   */
  List<String> removeAll() throws QemuBackupException {
    List<String> removed = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    try {
      for (String id : blockLayer.exports().keySet()) {
        if (id.startsWith(CheckpointPlan.PREFIX)) {
          if (attempt(failures, () -> blockLayer.deleteExport(id))) {
            removed.add("export " + id);
          }
        }
      }
      for (String id : blockLayer.jobs().keySet()) {
        if (id.startsWith(CheckpointPlan.PREFIX)) {
          if (attempt(failures, () -> blockLayer.endJob(id))) {
            removed.add("job " + id);
          }
        }
      }
      removeNodes(removed, failures);
    } catch (QmpException e) {
      failures.add(e);
    }
    removeFiles(removed, failures);
    if (!failures.isEmpty()) {
      Exception first = failures.getFirst();
      QemuBackupException failure =
          first instanceof QemuBackupException q
              ? q
              : new QemuBackupException(
                  "Cannot remove Cairn's temporary objects from QEMU at "
                      + blockLayer.qmp().socket()
                      + ": "
                      + (first instanceof QmpException q ? q.reason() : first.getMessage()),
                  first);
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
    return removed;
  }

  // A fleecing overlay uses its file node: delete the nodes nobody uses first, then again.
  private void removeNodes(List<String> removed, List<Exception> failures) throws QmpException {
    for (int round = 0; round < 8; round++) {
      BlockGraph graph = BlockGraph.read(blockLayer.qmp());
      List<String> ours =
          graph.nodeNames().stream().filter(n -> n.startsWith(CheckpointPlan.PREFIX)).toList();
      if (ours.isEmpty()) {
        return;
      }
      boolean progress = false;
      for (String node : ours) {
        if (!graph.usedByAnotherNode(node)) {
          try {
            blockLayer.qmp().execute("blockdev-del", Map.of("node-name", node));
            removed.add("node " + node);
            progress = true;
          } catch (QmpException e) {
            failures.add(e);
          }
        }
      }
      if (!progress) {
        failures.add(
            new QemuBackupException(
                "Cannot remove nodes "
                    + ours
                    + " from QEMU at "
                    + blockLayer.qmp().socket()
                    + ": they are still in use"));
        return;
      }
    }
  }

  private void removeFiles(List<String> removed, List<Exception> failures) {
    if (!Files.isDirectory(workDir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(workDir, fileTag + "*")) {
      for (Path file : files) {
        if (!file.equals(serverSocket) && !Files.isDirectory(file)) {
          Files.deleteIfExists(file);
          removed.add("file " + file);
        }
      }
    } catch (IOException e) {
      failures.add(
          new QemuBackupException(
              "Cannot remove temporary files from " + workDir + ": " + e.getMessage(), e));
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private static boolean attempt(List<Exception> failures, Step step) {
    try {
      step.run();
      return true;
    } catch (Exception e) {
      failures.add(e);
      return false;
    }
  }
}
