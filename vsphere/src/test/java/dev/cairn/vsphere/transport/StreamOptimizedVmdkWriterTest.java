package dev.cairn.vsphere.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stream is checked by a reader that is not Cairn's: qemu-img. */
class StreamOptimizedVmdkWriterTest {
  private static final int GRAIN = StreamOptimizedVmdkWriter.GRAIN_BYTES;

  @TempDir Path directory;

  @Test
  void qemuImgReadsBackExactlyTheDiskAcrossSeveralGrainTables() throws Exception {
    requireQemuImg();
    // 70 MiB + 1000 bytes: three grain tables, a partial last grain, most grains absent.
    long capacity = 70L * 1024 * 1024 + 1024;
    byte[] disk = new byte[(int) capacity];
    SplittableRandom random = new SplittableRandom(42);
    for (int grain = 0; grain * (long) GRAIN < capacity; grain++) {
      if (random.nextInt(5) == 0 || grain == (int) ((capacity - 1) / GRAIN)) {
        int start = grain * GRAIN;
        int end = (int) Math.min(capacity, start + GRAIN);
        // Half random, half zeros: compressible like real data.
        byte[] noise = new byte[(end - start) / 2];
        random.nextBytes(noise);
        System.arraycopy(noise, 0, disk, start, noise.length);
      }
    }
    Path vmdk = directory.resolve("disk.vmdk");
    try (OutputStream out = Files.newOutputStream(vmdk)) {
      write(disk, out);
    }

    Path raw = directory.resolve("disk.raw");
    run("qemu-img", "convert", "-f", "vmdk", "-O", "raw", vmdk.toString(), raw.toString());
    byte[] back = Files.readAllBytes(raw);
    assertThat(back.length).isEqualTo(capacity);
    assertThat(Arrays.equals(back, disk)).as("qemu-img reads the same bytes").isTrue();
    String info = run("qemu-img", "info", vmdk.toString());
    assertThat(info).contains("streamOptimized").contains("compressed: true");
    assertThat(Files.size(vmdk)).isLessThan(capacity / 4);
  }

  @Test
  void anEmptyDiskIsHeaderDescriptorDirectoryAndFooterOnly() throws Exception {
    requireQemuImg();
    Path vmdk = directory.resolve("empty.vmdk");
    long capacity = 1L << 40; // 1 TiB of nothing
    try (OutputStream out = Files.newOutputStream(vmdk)) {
      new StreamOptimizedVmdkWriter(out, capacity, "empty.vmdk", "lsilogic").finish();
    }

    assertThat(Files.size(vmdk)).isLessThan(1L << 20);
    assertThat(run("qemu-img", "info", "--output=json", vmdk.toString()))
        .contains("\"virtual-size\": " + capacity);
    String map = run("qemu-img", "map", "--output=json", "-f", "vmdk", vmdk.toString());
    assertThat(map).doesNotContain("\"data\": true");
  }

  @Test
  void grainsOutOfOrderOrBeyondTheDiskAreRefused() throws Exception {
    var writer =
        new StreamOptimizedVmdkWriter(new ByteArrayOutputStream(), 10L * GRAIN, "d.vmdk", "ide");
    byte[] grain = StreamOptimizedVmdkWriter.compress(new byte[GRAIN], 0, GRAIN);
    writer.writeGrain(3, grain);

    assertThatThrownBy(() -> writer.writeGrain(3, grain)).hasMessageContaining("out of order");
    assertThatThrownBy(() -> writer.writeGrain(10, grain)).hasMessageContaining("beyond the disk");
  }

  private static void write(byte[] disk, OutputStream out) throws IOException {
    var writer = new StreamOptimizedVmdkWriter(out, disk.length, "disk.vmdk", "lsilogic");
    byte[] grain = new byte[GRAIN];
    for (int index = 0; (long) index * GRAIN < disk.length; index++) {
      int start = index * GRAIN;
      int length = Math.min(GRAIN, disk.length - start);
      Arrays.fill(grain, (byte) 0);
      System.arraycopy(disk, start, grain, 0, length);
      if (!Arrays.equals(grain, new byte[GRAIN])) {
        writer.writeGrain(index, StreamOptimizedVmdkWriter.compress(grain, 0, GRAIN));
      }
    }
    writer.finish();
  }

  private static void requireQemuImg() {
    boolean present = Files.isExecutable(Path.of("/usr/bin/qemu-img"));
    if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(
          "qemu-img is missing: run scripts/install-test-deps (CI=true: not skipping)");
    }
    Assumptions.assumeTrue(present, "qemu-img is not installed (scripts/install-test-deps)");
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    return output;
  }
}
