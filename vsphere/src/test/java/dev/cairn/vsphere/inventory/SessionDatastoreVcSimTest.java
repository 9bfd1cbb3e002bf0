package dev.cairn.vsphere.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.transport.DatastoreHttp;
import dev.cairn.vsphere.transport.DatastorePath;
import dev.cairn.vsphere.vim.VimClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The joint the backup code uses: a disk found by the inventory, read through the datastore
 * interface with the vim25 session's HTTP client and cookie.
 */
class SessionDatastoreVcSimTest {
  static VcSim sim;

  @BeforeAll
  static void start() throws Exception {
    sim = VcSim.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void readsAnInventoriedDiskWithTheSessionCookie() throws Exception {
    try (VimClient client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {})) {
      client.login(sim.user(), sim.password());
      Inventory inventory = new InventoryReader(client).read(null);
      Vm vm = inventory.vms().getFirst();
      VmDisk disk = vm.disks().getFirst();
      DatastorePath descriptor = DatastorePath.parse(disk.fileName());
      // Write a known pattern into the simulator's flat file, then read it back over HTTP.
      Path flat =
          sim.datastoreDirectory(descriptor.datastore())
              .resolve(descriptor.path().replace(".vmdk", "-flat.vmdk"));
      byte[] pattern = "cairn-session-read".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      try (var channel =
          java.nio.channels.FileChannel.open(flat, java.nio.file.StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(pattern), 65536);
      }
      DatastoreHttp datastore =
          new DatastoreHttp(
              client.transport().httpClient(),
              client.transport().server(),
              inventory.datacenterOf(vm).orElseThrow().path(),
              client.transport()::authenticate,
              Duration.ofSeconds(30));
      DatastorePath bytes = datastore.flatFileOf(descriptor);
      byte[] read = new byte[pattern.length];
      datastore.read(bytes, 65536, read, 0, read.length);
      assertThat(read).isEqualTo(pattern);
      assertThat(Files.size(flat)).isEqualTo(disk.capacityBytes());
    }
  }
}
