package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.overlay.CopyOnWriteBackend;
import dev.cairn.nbd.testing.BootSector;
import dev.cairn.nbd.testing.ExternalTools;
import dev.cairn.nbd.testing.MemoryBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instant recovery in miniature: a QEMU virtual machine boots from a disk served by the server
 * (read-only data made writable by a copy-on-write overlay, as IDE disks must be writable).
 */
@Timeout(300)
class BootFromExportTest {
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);

  @TempDir Path directory;
  private Process vm;
  private NbdServer server;
  private CopyOnWriteBackend overlay;

  @AfterEach
  void stop() throws Exception {
    ExternalTools.kill(vm);
    if (server != null) {
      server.close();
      assertThat(server.unexpectedFailures()).isZero();
    }
    if (overlay != null) {
      overlay.close();
    }
  }

  @Test
  void aVirtualMachineBootsFromTheExport() throws Exception {
    ExternalTools.require("qemu-system-x86_64");
    byte[] disk = BootSector.disk(1 << 20, BootSector.DEFAULT_MARKER, (byte) 0x5a);
    MemoryBackend base = MemoryBackend.readOnly(disk);
    overlay = CopyOnWriteBackend.create(base, directory);
    server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), Map.of("boot", overlay));
    Path console = directory.resolve("console.log");

    vm =
        ExternalTools.startLogged(
            console,
            "qemu-system-x86_64",
            "-nodefaults",
            "-display",
            "none",
            "-no-reboot",
            "-serial",
            "stdio",
            "-accel",
            "tcg",
            "-m",
            "64",
            "-drive",
            "file=nbd://127.0.0.1:" + server.address().getPort() + "/boot,format=raw,if=ide");

    assertThat(awaitText(console, BootSector.DEFAULT_MARKER)).contains(BootSector.DEFAULT_MARKER);
    assertThat(base.content()).isEqualTo(disk);
  }

  /** Waits until the console shows {@code text}, the VM dies, or the safety timeout passes. */
  private String awaitText(Path console, String text) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(BOOT_TIMEOUT);
    String output = "";
    while (Instant.now().isBefore(deadline)) {
      output = Files.readString(console);
      if (output.contains(text) || !vm.isAlive()) {
        return Files.readString(console);
      }
      Thread.sleep(100);
    }
    return output;
  }
}
