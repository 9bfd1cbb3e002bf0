package dev.cairn.qemu.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.qemu.qmp.QmpClient;
import dev.cairn.qemu.testing.ExternalTools;
import dev.cairn.qemu.testing.StorageDaemon;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Disk discovery on a storage daemon, which has nodes but no guest devices. */
@Timeout(120)
class BlockGraphTest {
  @TempDir Path dir;
  private StorageDaemon daemon;

  @AfterEach
  void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void theDisksOfAStorageDaemonAreItsTopWritableNodesBeneathAnyFilter() throws Exception {
    ExternalTools.require("qemu-storage-daemon", "qemu-img");
    Path disk0 = StorageDaemon.createImage(dir, "disk0.qcow2", "qcow2", 1 << 20);
    Path disk1 = StorageDaemon.createImage(dir, "disk1.raw", "raw", 2 << 20);
    Path readOnly = StorageDaemon.createImage(dir, "ro0.qcow2", "qcow2", 1 << 20);
    daemon =
        StorageDaemon.start(
            dir,
            List.of(
                new StorageDaemon.Disk("disk0", disk0, "qcow2"),
                new StorageDaemon.Disk("disk1", disk1, "raw")),
            List.of(
                "--blockdev",
                "driver=file,filename=" + readOnly + ",node-name=ro0-file,read-only=on",
                "--blockdev",
                "driver=qcow2,file=ro0-file,node-name=ro0,read-only=on",
                "--object",
                "throttle-group,id=tg0",
                "--blockdev",
                "driver=throttle,throttle-group=tg0,file=disk1,node-name=slow1"));
    try (QmpClient qmp = QmpClient.connect(daemon.qmpSocket())) {
      qmp.execute("block-dirty-bitmap-add", Map.of("node", "disk0", "name", "b0"));
      BlockGraph graph = BlockGraph.read(qmp);

      assertThat(graph.graphKnown()).isTrue();
      assertThat(graph.disks())
          .extracting(QemuDisk::name, QemuDisk::nodeName, QemuDisk::format, QemuDisk::size)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("disk0", "disk0", "qcow2", 1L << 20),
              org.assertj.core.groups.Tuple.tuple("slow1", "disk1", "raw", 2L << 20));
      QemuDisk first = graph.find("disk0").orElseThrow();
      assertThat(first.keepsBitmapsAcrossRestarts()).isTrue();
      assertThat(first.device()).isEmpty();
      assertThat(first.bitmap("b0"))
          .hasValueSatisfying(
              b -> {
                assertThat(b.recording()).isTrue();
                assertThat(b.persistent()).isFalse();
                assertThat(b.granularity()).isEqualTo(64 << 10);
              });
      assertThat(graph.find("ro0")).hasValueSatisfying(d -> assertThat(d.readOnly()).isTrue());
      assertThat(graph.find("disk0-file")).isPresent(); // named explicitly, any node will do
      assertThat(graph.find("nope")).isEmpty();
      assertThat(graph.usedByAnotherNode("disk0-file")).isTrue();
      assertThat(graph.usedByAnotherNode("disk0")).isFalse();
    }
  }
}
