package dev.cairn.vsphere.restore;

import static dev.cairn.engine.testing.FakeDisk.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.engine.progress.ProgressListener;
import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restore point's disk streamed as a VMDK, read back by qemu-img. */
class PointVmdkStreamTest {
  @TempDir Path directory;

  /** Data in blocks 0-9, 600-619 (the second grain table) and the partial last block. */
  private static FakeDisk disk() {
    FakeDisk disk = FakeDisk.zeros("disk.img", 700L * BLOCK + 3000);
    for (long block = 0; block < 10; block++) {
      disk.randomBlock(block, block);
    }
    for (long block = 600; block < 620; block++) {
      disk.randomBlock(block, block);
    }
    disk.write(5L * BLOCK, new byte[BLOCK]); // a data block of zeros is not streamed either
    disk.randomBlock(700, 99);
    return disk;
  }

  @Test
  void theStreamHoldsExactlyTheDataGrainsAndReadsBackAsTheDisk() throws Exception {
    requireQemuImg();
    FakeDisk disk = disk();
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", disk).point();
    Path vmdk = directory.resolve("disk.vmdk");
    AtomicLong progress = new AtomicLong();
    ProgressListener listener = (phase, done, total) -> progress.set(done);

    PointVmdkStream.Result result;
    try (OutputStream out = Files.newOutputStream(vmdk)) {
      result =
          new PointVmdkStream(repo.reopen().repository, point, 0, 3, listener)
              .writeTo(out, "disk.vmdk", "lsilogic");
    }

    assertThat(result.capacityBytes()).isEqualTo(disk.size());
    assertThat(result.dataGrains()).isEqualTo(9 + 20 + 1);
    assertThat(result.streamBytes()).isEqualTo(Files.size(vmdk));
    assertThat(progress.get()).isEqualTo(disk.size());
    Path raw = directory.resolve("disk.raw");
    run("qemu-img", "convert", "-f", "vmdk", "-O", "raw", vmdk.toString(), raw.toString());
    // A VMDK's capacity is whole sectors: the disk's last partial sector reads back zero-padded.
    byte[] back = Files.readAllBytes(raw);
    assertThat(back.length).isEqualTo((disk.size() + 511) / 512 * 512);
    assertThat(Arrays.equals(back, 0, (int) disk.size(), disk.content(), 0, (int) disk.size()))
        .isTrue();
    assertThat(Arrays.copyOfRange(back, (int) disk.size(), back.length)).containsOnly(0);
  }

  @Test
  void aDamagedChunkFailsTheStreamNamingIt() throws Exception {
    FakeDisk disk = disk();
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", disk).point();
    TestRepository reopened = repo.reopen();
    reopened.store.corruptReads(
        "packs/data/",
        bytes -> {
          byte[] copy = bytes.clone();
          copy[copy.length / 2] ^= 1;
          return copy;
        });

    assertThatThrownBy(
            () ->
                new PointVmdkStream(reopened.repository, point, 0, 2, ProgressListener.NONE)
                    .writeTo(new ByteArrayOutputStream(), "disk.vmdk", "lsilogic"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("chunk");
  }

  private static void requireQemuImg() {
    boolean present = Files.isExecutable(Path.of("/usr/bin/qemu-img"));
    if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(
          "qemu-img is missing: run scripts/install-test-deps (CI=true: not skipping)");
    }
    Assumptions.assumeTrue(present, "qemu-img is not installed (scripts/install-test-deps)");
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }
}
