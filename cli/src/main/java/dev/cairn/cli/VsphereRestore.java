package dev.cairn.cli;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.vsphere.restore.DiskOntoVmRestore;
import dev.cairn.vsphere.restore.NewVmRequest;
import dev.cairn.vsphere.restore.NewVmRestore;
import dev.cairn.vsphere.restore.PlacementException;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * {@code restore --vsphere}: joins the vSphere restores to the CLI. With {@code --as NAME} it
 * restores the point as a new VM ({@link NewVmRestore}), and on Ctrl-C aborts the import through a
 * shutdown hook so that no half-made VM is left behind; with {@code --onto-vm VM} it writes one
 * disk onto an existing VM ({@link DiskOntoVmRestore}).
 */
final class VsphereRestore {
  private VsphereRestore() {}

  static NewVmRestore.Result run(
      Repository repository,
      RestorePoint point,
      VsphereOptions connection,
      NewVmRequest request,
      int workers,
      ProgressListener progress,
      Consumer<String> notices)
      throws IOException {
    try (VimClient client = connection.connect(notices)) {
      NewVmRestore restore = new NewVmRestore(client, repository, workers, progress, notices);
      Thread hook = new Thread(restore::cancel, "cairn-vsphere-import-abort");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return restore.restore(point, request);
      } catch (PlacementException e) {
        throw new CairnException(ErrorCode.INVALID_INPUT, e.getMessage(), e);
      } catch (CairnException e) {
        throw e;
      } catch (IOException e) {
        throw VsphereOptions.classify(e);
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The hook runs (or ran) and aborts the import itself.
        }
      }
    }
  }

  static DiskOntoVmRestore.Result ontoVm(
      Repository repository,
      RestorePoint point,
      int diskIndex,
      VsphereOptions connection,
      String vm,
      Integer deviceKey,
      ProgressListener progress,
      Consumer<String> notices)
      throws IOException {
    try (VimClient client = connection.connect(notices)) {
      return new DiskOntoVmRestore(client, repository, progress, notices)
          .restore(point, diskIndex, vm, deviceKey);
    } catch (PlacementException e) {
      throw new CairnException(ErrorCode.INVALID_INPUT, e.getMessage(), e);
    } catch (CairnException e) {
      throw e;
    } catch (IOException e) {
      throw VsphereOptions.classify(e);
    }
  }
}
