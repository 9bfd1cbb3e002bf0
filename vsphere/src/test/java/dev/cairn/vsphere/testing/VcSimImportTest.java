package dev.cairn.vsphere.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.soap.XmlNode;
import dev.cairn.vsphere.transport.StreamOptimizedVmdkWriter;
import dev.cairn.vsphere.vim.NfcLease;
import dev.cairn.vsphere.vim.ObjectContent;
import dev.cairn.vsphere.vim.VimClient;
import dev.cairn.vsphere.vim.VirtualDeviceSpec;
import dev.cairn.vsphere.vim.VmConfigSpec;
import dev.cairn.vsphere.vim.VmConfigSpec.DeviceChange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Restoring as a new VM against cairn-vcsim: ImportVApp's lease takes streamOptimized VMDK uploads
 * into the new VM's disk files, an aborted lease removes the VM, and the import faults.
 */
class VcSimImportTest {
  private static final int GRAIN = StreamOptimizedVmdkWriter.GRAIN_BYTES;
  // An odd size: 81 grains, not a multiple of a grain table's 32 MiB.
  private static final long CAPACITY = (5L << 20) + GRAIN;
  private static final String DATASTORE = "LocalDS_0";

  private static VcSim sim;
  private static HttpClient http;
  private VimClient client;
  private final List<ManagedObjectReference> leftOpen = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    sim = VcSim.start(VcSim.Options.defaults().withVmsPerPool(1));
    http =
        HttpClient.newBuilder()
            .sslContext(sim.sslContext())
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  @BeforeEach
  void connect() throws IOException {
    client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            warning -> {});
    client.login(sim.user(), sim.password());
  }

  @AfterEach
  void disconnect() throws Exception {
    sim.clearFaults();
    for (ManagedObjectReference lease : leftOpen) {
      try {
        client.leaseAbort(lease);
      } catch (VimFault alreadyEnded) {
        // completed or aborted by the test
      }
    }
    client.close();
  }

  @Test
  void uploadedStreamBecomesTheNewVmsDisk() throws Exception {
    byte[] disk = new byte[(int) CAPACITY];
    SplittableRandom random = new SplittableRandom(42);
    for (int grain : new int[] {0, 7, 8, 40, 80}) {
      byte[] data = new byte[GRAIN];
      random.nextBytes(data);
      System.arraycopy(data, 0, disk, grain * GRAIN, GRAIN);
    }
    disk[61 * GRAIN + 4097] = 7; // a grain holding a single non-zero byte
    NfcLease lease = importVm("cairn-import-ok");

    HttpResponse<String> response = put(diskUrl(lease), streamOf(disk, true));
    assertThat(response.statusCode()).isEqualTo(200);
    client.leaseComplete(lease.lease());

    Path flat = flatFile(lease.entity());
    assertThat(flat).hasSize(CAPACITY);
    assertThat(Arrays.mismatch(Files.readAllBytes(flat), disk)).isEqualTo(-1);
    // Six grains hold data; the 75 zero grains of the stream stay holes.
    assertThat(allocatedBytes(flat)).isLessThan(CAPACITY / 4);
    assertThat(client.properties(lease.entity(), List.of("name")).orElseThrow().text("name"))
        .contains("cairn-import-ok");
    // The completed lease takes no more uploads.
    assertThat(put(diskUrl(lease), streamOf(disk, false)).statusCode()).isEqualTo(404);
  }

  @Test
  void malformedStreamsAreRefusedWithTheirReason() throws Exception {
    NfcLease lease = importVm("cairn-import-bad");
    URI url = diskUrl(lease);
    byte[] disk = new byte[(int) CAPACITY];
    new SplittableRandom(7).nextBytes(disk);
    byte[] valid = streamOf(Arrays.copyOf(disk, 2 * GRAIN), false);

    byte[] badMagic = valid.clone();
    badMagic[0] = 'X';
    assertRefused(url, badMagic, "magic");

    // The first grain's marker starts at sector 128; corrupt its compressed bytes.
    byte[] corrupt = valid.clone();
    for (int i = 128 * 512 + 12 + 100; i < 128 * 512 + 12 + 200; i++) {
      corrupt[i] ^= 0x55;
    }
    assertRefused(url, corrupt, "grain at sector 0");

    byte[] truncated = Arrays.copyOf(valid, valid.length - 512);
    assertRefused(url, truncated, "without an end-of-stream marker");

    // A stream of a bigger disk, its header claiming the lease disk's capacity.
    ByteArrayOutputStream bigger = new ByteArrayOutputStream();
    StreamOptimizedVmdkWriter writer =
        new StreamOptimizedVmdkWriter(bigger, CAPACITY + GRAIN, "disk.vmdk", "lsilogic");
    writer.writeGrain(
        CAPACITY / GRAIN, StreamOptimizedVmdkWriter.compress(new byte[GRAIN], 0, GRAIN));
    writer.finish();
    byte[] beyond = bigger.toByteArray();
    ByteBuffer.wrap(beyond).order(ByteOrder.LITTLE_ENDIAN).putLong(12, CAPACITY / 512);
    assertRefused(url, beyond, "beyond the disk");

    // The lease still takes a good upload after the refused ones.
    assertThat(put(url, valid).statusCode()).isEqualTo(200);
    client.leaseComplete(lease.lease());
    assertThat(Arrays.mismatch(Files.readAllBytes(flatFile(lease.entity())), pad(disk, 2)))
        .isEqualTo(-1);
  }

  @Test
  void unknownLeaseOrDiskIsNotFound() throws Exception {
    NfcLease lease = importVm("cairn-import-404");
    byte[] stream = streamOf(new byte[GRAIN], false);
    URI url = diskUrl(lease);
    URI otherDisk = url.resolve("no-such-disk.vmdk");
    URI otherLease = url.resolve("/nfc/no-such-lease/" + Path.of(url.getPath()).getFileName());
    assertThat(put(otherDisk, stream).statusCode()).isEqualTo(404);
    HttpResponse<String> unknown = put(otherLease, stream);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no import lease no-such-lease");
  }

  @Test
  void abortedImportRemovesTheVmAndItsFiles() throws Exception {
    NfcLease lease = importVm("cairn-import-abort");
    byte[] disk = new byte[(int) CAPACITY];
    new SplittableRandom(3).nextBytes(disk);
    assertThat(put(diskUrl(lease), streamOf(Arrays.copyOf(disk, 3 * GRAIN), false)).statusCode())
        .isEqualTo(200);
    Path flat = flatFile(lease.entity());
    Path descriptor = flat.resolveSibling(flat.getFileName().toString().replace("-flat", ""));
    assertThat(descriptor).exists();

    client.leaseAbort(lease.lease());

    assertThatThrownBy(() -> client.properties(lease.entity(), List.of("name")))
        .isInstanceOf(VimFault.ManagedObjectNotFound.class);
    assertThat(client.findByInventoryPath("DC0/vm/cairn-import-abort")).isEmpty();
    assertThat(flat).doesNotExist();
    assertThat(descriptor).doesNotExist();
    assertThat(put(diskUrl(lease), streamOf(disk, false)).statusCode()).isEqualTo(404);
  }

  @Test
  void droppedUploadBreaksTheConnectionAndARetrySucceeds() throws Exception {
    NfcLease lease = importVm("cairn-import-drop");
    byte[] disk = new byte[(int) CAPACITY];
    new SplittableRandom(11).nextBytes(disk);
    byte[] stream = streamOf(disk, false);
    sim.setFaults(VcSim.Faults.none().dropNfcUpload(200_000, 1));

    assertThatThrownBy(() -> put(diskUrl(lease), stream)).isInstanceOf(IOException.class);

    assertThat(put(diskUrl(lease), stream).statusCode()).isEqualTo(200);
    client.leaseComplete(lease.lease());
    assertThat(Arrays.mismatch(Files.readAllBytes(flatFile(lease.entity())), disk)).isEqualTo(-1);
  }

  @Test
  void importFaultCreatesNoVm() throws Exception {
    sim.setFaults(VcSim.Faults.none().failImportVApp("The host is in maintenance mode", 1));
    assertThatThrownBy(() -> importVm("cairn-import-fault"))
        .isInstanceOfSatisfying(
            VimFault.class, fault -> assertThat(fault.faultType()).isEqualTo("InvalidState"))
        .hasMessageContaining("The host is in maintenance mode");
    assertThat(client.findByInventoryPath("DC0/vm/cairn-import-fault")).isEmpty();
  }

  @Test
  void importNeedsVAppImport() throws Exception {
    sim.setFaults(VcSim.Faults.none().deny("VApp.Import"));
    assertThatThrownBy(() -> importVm("cairn-import-denied"))
        .isInstanceOfSatisfying(
            VimFault.NoPermission.class,
            fault -> assertThat(fault.privilegeId()).isEqualTo("VApp.Import"));
    assertThat(client.findByInventoryPath("DC0/vm/cairn-import-denied")).isEmpty();
  }

  /** Starts an import of a VM with one thin disk of CAPACITY and waits for its lease. */
  private NfcLease importVm(String name) throws IOException {
    ObjectContent datacenter = client.allOfType("Datacenter", List.of("vmFolder")).getFirst();
    ManagedObjectReference folder =
        ManagedObjectReference.of(datacenter.get("vmFolder").orElseThrow());
    ManagedObjectReference pool =
        client.allOfType("ResourcePool", List.of("name")).getFirst().obj();
    VmConfigSpec spec =
        new VmConfigSpec(
            name,
            "otherGuest64",
            "[" + DATASTORE + "]",
            1,
            1,
            256L,
            List.of(
                DeviceChange.add(
                    VirtualDeviceSpec.Controller.of("ParaVirtualSCSIController", -100, 0)),
                DeviceChange.add(VirtualDeviceSpec.Disk.newThin(-200, -100, 0, CAPACITY))),
            null,
            null);
    ManagedObjectReference lease = client.importVApp(pool, spec, folder, null);
    leftOpen.add(lease);
    return client.awaitLease(lease);
  }

  /** The lease's disk URL with its {@code *} host replaced by the simulator's. */
  private static URI diskUrl(NfcLease lease) {
    List<NfcLease.DeviceUrl> disks =
        lease.deviceUrls().stream().filter(NfcLease.DeviceUrl::disk).toList();
    assertThat(disks).hasSize(1);
    String url = disks.getFirst().url();
    assertThat(url).startsWith("https://*/nfc/");
    return URI.create(url.replace("https://*/", "https://" + sim.url().getRawAuthority() + "/"));
  }

  /**
   * The disk as a streamOptimized VMDK: the grains that hold data, or with {@code everyGrain} all
   * of them, zeros too (a writer need not leave zero grains out).
   */
  private static byte[] streamOf(byte[] disk, boolean everyGrain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StreamOptimizedVmdkWriter writer =
        new StreamOptimizedVmdkWriter(out, CAPACITY, "disk.vmdk", "lsilogic");
    byte[] zeros = new byte[GRAIN];
    for (int grain = 0; grain * GRAIN < disk.length; grain++) {
      int offset = grain * GRAIN;
      int length = Math.min(GRAIN, disk.length - offset);
      boolean data = Arrays.mismatch(disk, offset, offset + length, zeros, 0, length) != -1;
      if (data || everyGrain) {
        byte[] full = Arrays.copyOfRange(disk, offset, offset + GRAIN);
        writer.writeGrain(grain, StreamOptimizedVmdkWriter.compress(full, 0, GRAIN));
      }
    }
    writer.finish();
    return out.toByteArray();
  }

  /** The first {@code grains} grains of {@code disk}, zeros after them, CAPACITY bytes long. */
  private static byte[] pad(byte[] disk, int grains) {
    byte[] padded = new byte[(int) CAPACITY];
    System.arraycopy(disk, 0, padded, 0, grains * GRAIN);
    return padded;
  }

  private static HttpResponse<String> put(URI url, byte[] body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(url)
            .header("Content-Type", "application/x-vnd.vmware-streamVmdk")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private void assertRefused(URI url, byte[] stream, String reason) throws Exception {
    HttpResponse<String> response = put(url, stream);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body().strip()).contains(reason).doesNotContain("\n");
  }

  /** The host file that holds the bytes of the VM's (only) disk. */
  private Path flatFile(ManagedObjectReference vm) throws IOException {
    XmlNode devices =
        client
            .properties(vm, List.of("config.hardware.device"))
            .orElseThrow()
            .get("config.hardware.device")
            .orElseThrow();
    String fileName =
        devices.children().stream()
            .filter(device -> "VirtualDisk".equals(device.xsiType()))
            .map(device -> device.child("backing").orElseThrow().text("fileName", ""))
            .findFirst()
            .orElseThrow();
    String prefix = "[" + DATASTORE + "] ";
    assertThat(fileName).startsWith(prefix).endsWith(".vmdk");
    String relative = fileName.substring(prefix.length()).replaceAll("\\.vmdk$", "-flat.vmdk");
    return sim.datastoreDirectory(DATASTORE).resolve(relative);
  }

  /** Bytes the file system allocated to {@code file} (GNU stat's %b blocks of %B bytes). */
  private static long allocatedBytes(Path file) throws IOException, InterruptedException {
    Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
    String[] output =
        new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
            .strip()
            .split(" ");
    assertThat(stat.waitFor()).isZero();
    return Long.parseLong(output[0]) * Long.parseLong(output[1]);
  }
}
