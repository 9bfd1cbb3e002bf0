package dev.cairn.vsphere.restore;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.repository.Repository;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.VmConfiguration;
import dev.cairn.vsphere.access.Operation;
import dev.cairn.vsphere.access.PrivilegeCheck;
import dev.cairn.vsphere.access.Scope;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.vim.NfcLease;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Restores a restore point as a new vSphere VM:
 *
 * <ol>
 *   <li>resolves the placement (datastore, pool or host, folder, networks) and checks the
 *       privileges, before anything is created;
 *   <li>{@code ImportVApp} with the spec {@link NewVmSpec} builds from the point's configuration:
 *       vSphere creates the VM with empty disks (thin where the original was thin) and hands out an
 *       NFC lease with an upload URL per disk;
 *   <li>streams each disk as a stream-optimised VMDK ({@link PointVmdkStream}: holes are not sent,
 *       every chunk is verified as it is read), reporting progress to the lease, which also keeps
 *       it from expiring;
 *   <li>completes the lease and, when asked, powers the VM on.
 * </ol>
 *
 * <p>On any failure, and on {@link #cancel()} (Ctrl-C), the lease is aborted and the half-made VM
 * destroyed, so a failed restore leaves nothing behind. The repository is only read. The caller
 * holds the repository open (its shared lock) for the duration.
 */
public final class NewVmRestore {
  private static final Duration LONGEST_PROGRESS_INTERVAL = Duration.ofSeconds(30);

  private final VimClient client;
  private final Repository repository;
  private final int workers;
  private final ProgressListener progress;
  private final Consumer<String> warnings;

  private final Object state = new Object();
  private ManagedObjectReference lease; // guarded by state
  private ManagedObjectReference vm; // guarded by state
  private boolean completed; // guarded by state
  private boolean cancelled; // guarded by state
  private boolean leaseAborted; // guarded by state
  private boolean vmRemoved; // guarded by state

  /**
   * What was restored.
   *
   * @param vm the new VM
   * @param name its name
   * @param disks what each disk's upload held
   * @param poweredOn whether it was powered on
   */
  public record Result(
      ManagedObjectReference vm, String name, List<DiskUpload> disks, boolean poweredOn) {
    public Result {
      disks = List.copyOf(disks);
    }

    /** Bytes sent over the network, all disks together. */
    public long uploadedBytes() {
      return disks.stream().mapToLong(DiskUpload::streamBytes).sum();
    }
  }

  /**
   * One uploaded disk.
   *
   * @param diskIndex the point's disk
   * @param capacityBytes its capacity
   * @param dataGrains the 64 KiB grains that held data (the rest was not sent)
   * @param streamBytes the size of the compressed stream sent
   */
  public record DiskUpload(int diskIndex, long capacityBytes, long dataGrains, long streamBytes) {}

  public NewVmRestore(
      VimClient client,
      Repository repository,
      int workers,
      ProgressListener progress,
      Consumer<String> warnings) {
    this.client = client;
    this.repository = repository;
    this.workers = Math.max(1, workers);
    this.progress = progress;
    this.warnings = warnings;
  }

  /**
   * Restores {@code point} as {@code request} asks.
   *
   * @throws PlacementException when the placement is wrong (nothing was created)
   * @throws IOException naming the step and the cause; the lease is aborted and the VM removed
   */
  public Result restore(RestorePoint point, NewVmRequest request) throws IOException {
    VmConfiguration configuration = point.configuration();
    Inventory inventory = new InventoryReader(client).read(null);
    Placement placement =
        Placement.resolve(
            client,
            inventory,
            request,
            NewVmSpec.networkNames(configuration, request.networkMap()));
    Map<Scope, List<ManagedObjectReference>> targets = new LinkedHashMap<>();
    targets.put(Scope.FOLDER, List.of(placement.folder()));
    targets.put(Scope.RESOURCE_POOL, List.of(placement.pool()));
    targets.put(Scope.DATASTORE, List.of(placement.datastore().ref()));
    targets.put(Scope.NETWORK, placement.networkObjects());
    new PrivilegeCheck(client).require(Operation.RESTORE_AS_NEW_VM, targets);

    List<Long> capacities = point.disks().stream().map(d -> d.sizeBytes()).toList();
    NewVmSpec.Built built =
        NewVmSpec.build(request, configuration, capacities, placement.networks(), warnings);
    try {
      return importAndUpload(point, request, placement, built);
    } catch (IOException | RuntimeException | Error e) {
      cleanUp(e);
      throw e;
    }
  }

  private Result importAndUpload(
      RestorePoint point, NewVmRequest request, Placement placement, NewVmSpec.Built built)
      throws IOException {
    ManagedObjectReference started =
        client.importVApp(placement.pool(), built.spec(), placement.folder(), placement.host());
    synchronized (state) {
      lease = started;
    }
    checkCancelled(request);
    NfcLease ready = client.awaitLease(started);
    synchronized (state) {
      vm = ready.entity();
    }
    checkCancelled(request);
    List<NfcLease.DeviceUrl> diskUrls =
        ready.deviceUrls().stream().filter(NfcLease.DeviceUrl::disk).toList();
    if (diskUrls.size() != built.diskOrder().size()) {
      throw new IOException(
          "Cannot restore VM "
              + request.vmName()
              + ": the import lease offers "
              + diskUrls.size()
              + " disk URLs for "
              + built.diskOrder().size()
              + " disks");
    }
    long total = 0;
    for (int index : built.diskOrder()) {
      total += point.disks().get(index).sizeBytes();
    }
    LeaseProgress reporter = new LeaseProgress(started, total, ready.leaseTimeoutSeconds());
    List<DiskUpload> uploads = new ArrayList<>();
    // A server that wants lengths up front gets each disk from a temporary file first.
    LeaseUpload upload =
        new LeaseUpload(
            client.transport(),
            java.nio.file.Path.of(System.getProperty("java.io.tmpdir")),
            warnings);
    try (reporter) {
      for (int n = 0; n < diskUrls.size(); n++) {
        int index = built.diskOrder().get(n);
        PointVmdkStream stream =
            new PointVmdkStream(repository, point, index, workers, reporter.listener());
        PointVmdkStream.Result[] made = new PointVmdkStream.Result[1];
        upload.send(
            diskUrls.get(n),
            "disk " + index + " of restore point " + point.shortId(),
            out ->
                made[0] =
                    stream.writeTo(
                        out,
                        request.vmName() + "_" + index + ".vmdk",
                        adapterType(point.configuration(), index)));
        reporter.diskDone(point.disks().get(index).sizeBytes());
        uploads.add(
            new DiskUpload(
                index, made[0].capacityBytes(), made[0].dataGrains(), made[0].streamBytes()));
      }
      reporter.failure();
    }
    client.leaseProgress(started, 100);
    checkCancelled(request);
    client.leaseComplete(started);
    synchronized (state) {
      // The VM is whole: a cancel no longer removes it.
      completed = true;
    }
    boolean poweredOn = false;
    if (request.powerOn()) {
      try {
        client.waitForTask(client.powerOnVm(ready.entity(), placement.host()));
        poweredOn = true;
      } catch (IOException e) {
        // The VM and its disks are complete; failing to start it does not undo the restore.
        warnings.accept(
            "VM " + request.vmName() + " is restored but did not power on: " + e.getMessage());
      }
    }
    return new Result(ready.entity(), request.vmName(), uploads, poweredOn);
  }

  /**
   * The descriptor's adapter type for disk {@code index}: {@code ide} for a disk that was on an IDE
   * controller, else {@code lsilogic} (what vSphere writes for SCSI, SATA and NVMe disks alike; the
   * import spec, not the descriptor, decides the controller).
   */
  static String adapterType(VmConfiguration configuration, int index) {
    if (configuration == null) {
      return "lsilogic";
    }
    for (VmConfiguration.DiskSlot slot : configuration.disks()) {
      if (slot.diskIndex() == index) {
        for (VmConfiguration.Controller controller : configuration.controllers()) {
          if (controller.key() == slot.controllerKey()
              && "VirtualIDEController".equals(NewVmSpec.vimControllerType(controller.type()))) {
            return "ide";
          }
        }
      }
    }
    return "lsilogic";
  }

  /**
   * Stops a restore in progress (for Ctrl-C): aborts the lease and removes the half-made VM. Does
   * nothing once the restore completed. Safe to call from another thread, and more than once.
   */
  public void cancel() {
    synchronized (state) {
      if (completed) {
        return;
      }
      cancelled = true;
    }
    cleanUp(null);
  }

  private void checkCancelled(NewVmRequest request) throws IOException {
    synchronized (state) {
      if (cancelled) {
        throw new IOException("Restore of VM " + request.vmName() + " was cancelled");
      }
    }
  }

  /** Aborts the lease and removes the VM, each once, whichever of them exist by now. */
  private void cleanUp(Throwable cause) {
    ManagedObjectReference abandonedLease;
    ManagedObjectReference abandonedVm;
    synchronized (state) {
      if (completed) {
        return;
      }
      abandonedLease = leaseAborted ? null : lease;
      abandonedVm = vmRemoved ? null : vm;
      leaseAborted |= lease != null;
      vmRemoved |= vm != null;
    }
    if (abandonedLease != null) {
      try {
        client.leaseAbort(abandonedLease);
      } catch (IOException e) {
        note(cause, "Cannot abort import lease " + abandonedLease.value() + ": " + e.getMessage());
      }
    }
    if (abandonedVm != null) {
      try {
        // Aborting the lease removes the VM on vSphere; destroy what may be left.
        if (client.properties(abandonedVm, List.of("name")).isPresent()) {
          client.waitForTask(client.destroy(abandonedVm));
        }
      } catch (dev.cairn.vsphere.soap.VimFault.ManagedObjectNotFound gone) {
        // Already removed by the abort.
      } catch (IOException e) {
        note(
            cause,
            "Cannot remove the partly restored VM "
                + abandonedVm.value()
                + ": "
                + e.getMessage()
                + "; remove it by hand");
      }
    }
  }

  private void note(Throwable cause, String message) {
    if (cause != null) {
      cause.addSuppressed(new IOException(message));
    }
    warnings.accept(message);
  }

  /**
   * Reports the upload's progress to the lease (vSphere shows it, and a lease without progress for
   * its timeout expires), from a virtual thread at most every 30 seconds.
   */
  private final class LeaseProgress implements AutoCloseable {
    private final ManagedObjectReference lease;
    private final long total;
    private final AtomicLong finishedDisks = new AtomicLong();
    private final AtomicLong currentDisk = new AtomicLong();
    private final Thread thread;
    private volatile IOException failure;
    private volatile boolean closed;

    LeaseProgress(ManagedObjectReference lease, long total, int timeoutSeconds) {
      this.lease = lease;
      this.total = Math.max(1, total);
      Duration interval =
          timeoutSeconds > 0
              ? Duration.ofSeconds(Math.max(1, timeoutSeconds / 3))
              : LONGEST_PROGRESS_INTERVAL;
      Duration every =
          interval.compareTo(LONGEST_PROGRESS_INTERVAL) > 0 ? LONGEST_PROGRESS_INTERVAL : interval;
      this.thread = Thread.ofVirtual().name("cairn-lease-progress").start(() -> run(every));
    }

    private void run(Duration every) {
      while (!closed) {
        try {
          Thread.sleep(every);
        } catch (InterruptedException e) {
          return;
        }
        if (closed) {
          return;
        }
        try {
          client.leaseProgress(lease, percent());
        } catch (IOException e) {
          failure = e;
        }
      }
    }

    private int percent() {
      long done = finishedDisks.get() + currentDisk.get();
      return (int) Math.min(99, done * 100 / total);
    }

    ProgressListener listener() {
      return (phase, done, expected) -> {
        currentDisk.set(done);
        progress.update("restore", finishedDisks.get() + done, total);
      };
    }

    void diskDone(long capacity) {
      finishedDisks.addAndGet(capacity);
      currentDisk.set(0);
    }

    /** Fails when the lease refused progress (it expired or was aborted on the server). */
    void failure() throws IOException {
      IOException failed = failure;
      if (failed != null) {
        throw new IOException(
            "Cannot keep import lease " + lease.value() + ": " + failed.getMessage(), failed);
      }
    }

    @Override
    public void close() {
      closed = true;
      thread.interrupt();
    }
  }
}
