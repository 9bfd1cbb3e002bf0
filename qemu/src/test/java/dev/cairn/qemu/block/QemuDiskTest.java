package dev.cairn.qemu.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QemuDiskTest {
  private final QemuDisk disk =
      new QemuDisk(
          "vd0",
          "#block123",
          Optional.empty(),
          Optional.of("/machine/peripheral/vd0/virtio-backend"),
          "qcow2",
          1 << 20,
          false,
          List.of());

  @Test
  void answersToEachOfItsNames() {
    assertThat(disk.deviceId()).contains("vd0");
    assertThat(disk.answersTo("vd0")).isTrue();
    assertThat(disk.answersTo("#block123")).isTrue();
    assertThat(disk.answersTo("/machine/peripheral/vd0/virtio-backend")).isTrue();
    assertThat(disk.answersTo("vd1")).isFalse();
  }

  @Test
  void anAnonymousDeviceHasNoId() {
    QemuDisk anonymous =
        new QemuDisk(
            "drive1",
            "#block7",
            Optional.of("drive1"),
            Optional.of("/machine/peripheral-anon/device[0]/virtio-backend"),
            "raw",
            1 << 20,
            false,
            List.of());
    assertThat(anonymous.deviceId()).isEmpty();
    assertThat(anonymous.keepsBitmapsAcrossRestarts()).isFalse();
  }
}
