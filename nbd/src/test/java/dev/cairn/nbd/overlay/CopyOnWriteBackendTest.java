package dev.cairn.nbd.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.testing.MemoryBackend;
import dev.cairn.nbd.testing.TestContent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The overlay against a byte-array model of what the guest should see. */
@Timeout(120)
class CopyOnWriteBackendTest {
  private static final int CLUSTER = CopyOnWriteBackend.CLUSTER_SIZE;

  /** Not a multiple of the cluster size, so the short last cluster is exercised too. */
  private static final int SIZE = 3 * (1 << 20) + 777;

  @TempDir Path directory;
  private final byte[] original = TestContent.mixed(SIZE, 11);
  private MemoryBackend base;
  private CopyOnWriteBackend overlay;

  @BeforeEach
  void createOverlay() throws IOException {
    base = MemoryBackend.readOnly(original);
    overlay = CopyOnWriteBackend.create(base, directory);
  }

  @AfterEach
  void baseIsNeverWritten() throws IOException {
    overlay.close();
    assertThat(base.writeCalls()).isZero();
    assertThat(base.content()).isEqualTo(original);
  }

  @Test
  void readsTheBaseUntilWritten() throws IOException {
    assertThat(overlay.readOnly()).isFalse();
    assertThat(overlay.size()).isEqualTo(SIZE);
    assertThat(read(0, SIZE)).isEqualTo(original);
    assertThat(overlay.allocation(0, SIZE))
        .isEqualTo(MemoryBackend.allocationOf(original, 0, SIZE));
    assertThat(overlay.overlayBytes()).isZero();
  }

  @Test
  void aPartialWriteKeepsTheRestOfItsCluster() throws IOException {
    byte[] expected = original.clone();
    write(expected, CLUSTER + 1000, filled(3000, 0xab));
    write(expected, SIZE - 10, filled(10, 0xcd)); // in the short last cluster

    assertThat(read(0, SIZE)).isEqualTo(expected);
    assertThat(overlay.overlayBytes()).isEqualTo(2L * CLUSTER);
  }

  @Test
  void zeroingWholeClustersStoresNothingAndReportsHoles() throws IOException {
    byte[] expected = original.clone();
    overlay.writeZeroes(CLUSTER, 2L * CLUSTER);
    Arrays.fill(expected, CLUSTER, 3 * CLUSTER, (byte) 0);
    overlay.writeZeroes(5 * CLUSTER + 100, 200); // part of a cluster: read, zero, store
    Arrays.fill(expected, 5 * CLUSTER + 100, 5 * CLUSTER + 300, (byte) 0);

    assertThat(read(0, SIZE)).isEqualTo(expected);
    assertThat(overlay.overlayBytes()).isEqualTo(CLUSTER);
    assertThat(overlay.allocation(CLUSTER, 2L * CLUSTER))
        .containsExactly(new Extent(CLUSTER, 2L * CLUSTER, 3));
    assertThat(overlay.allocation(5 * CLUSTER, CLUSTER))
        .containsExactly(new Extent(5 * CLUSTER, CLUSTER, 0));
  }

  @Test
  void writingIntoAZeroedClusterStartsFromZeroes() throws IOException {
    byte[] expected = original.clone();
    overlay.writeZeroes(0, CLUSTER);
    Arrays.fill(expected, 0, CLUSTER, (byte) 0);
    write(expected, 10, filled(5, 0x11));

    assertThat(read(0, 2 * CLUSTER)).isEqualTo(Arrays.copyOf(expected, 2 * CLUSTER));
  }

  @Test
  void randomOperationsMatchTheModel() throws IOException {
    SplittableRandom random = new SplittableRandom(2024);
    byte[] expected = original.clone();
    for (int step = 0; step < 400; step++) {
      int offset = random.nextInt(SIZE);
      int length = Math.min(SIZE - offset, random.nextInt(1, 3 * CLUSTER));
      switch (random.nextInt(4)) {
        case 0, 1 -> {
          byte[] data = new byte[length];
          random.nextBytes(data);
          write(expected, offset, data);
        }
        case 2 -> {
          overlay.writeZeroes(offset, length);
          Arrays.fill(expected, offset, offset + length, (byte) 0);
        }
        default ->
            assertThat(read(offset, length))
                .as("step %d", step)
                .isEqualTo(Arrays.copyOfRange(expected, offset, offset + length));
      }
    }
    assertThat(read(0, SIZE)).isEqualTo(expected);
    assertAllocationIsTruthful(expected);
  }

  @Test
  void concurrentPartialWritesToSharedClustersLoseNothing() throws Exception {
    int writers = 8;
    int slot = 1000; // neighbouring slots, written by different threads, share clusters
    byte[] expected = original.clone();
    for (int i = 0; i * slot < SIZE; i++) {
      int from = i * slot;
      Arrays.fill(expected, from, Math.min(SIZE, from + slot), (byte) (1 + i % writers));
    }
    base.delayReads(Duration.ofMillis(1)); // widens the window in which a lost update would hide
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (int writer = 0; writer < writers; writer++) {
        int me = writer;
        done.add(
            threads.submit(
                () -> {
                  for (int i = me; i * slot < SIZE; i += writers) {
                    int from = i * slot;
                    int length = Math.min(slot, SIZE - from);
                    overlay.write(from, ByteBuffer.wrap(filled(length, 1 + me)));
                    if (i % 7 == 0) {
                      overlay.read(from, ByteBuffer.allocate(length)); // readers in between
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> writer : done) {
        writer.get();
      }
    }
    assertThat(read(0, SIZE)).isEqualTo(expected);
  }

  @Test
  void closeDeletesTheOverlayFile() throws IOException {
    overlay.write(0, ByteBuffer.wrap(filled(10, 1)));
    Path file = overlay.overlayPath();
    assertThat(file).exists().hasParent(directory);
    overlay.close();
    assertThat(file).doesNotExist();
    overlay = CopyOnWriteBackend.create(base, directory); // for the @AfterEach checks
  }

  @Test
  void refusesAccessBeyondTheEnd() {
    assertThatThrownBy(() -> overlay.read(SIZE - 1, ByteBuffer.allocate(2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> overlay.writeZeroes(-1, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMissingDirectoryIsNamedInTheError() {
    Path missing = directory.resolve("missing");
    assertThatThrownBy(() -> CopyOnWriteBackend.create(base, missing))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("Cannot create a copy-on-write overlay in " + missing);
    assertThat(Files.exists(missing)).isFalse();
  }

  /** Every extent flagged as zero reads as zeroes, and the extents tile the export. */
  private void assertAllocationIsTruthful(byte[] expected) throws IOException {
    long position = 0;
    for (Extent extent : overlay.allocation(0, SIZE)) {
      assertThat(extent.offset()).isEqualTo(position);
      if ((extent.flags() & 2) != 0) {
        byte[] range = Arrays.copyOfRange(expected, (int) extent.offset(), (int) extent.end());
        assertThat(range).as("extent %s", extent).containsOnly(0);
      }
      position = extent.end();
    }
    assertThat(position).isEqualTo(SIZE);
  }

  private void write(byte[] expected, int offset, byte[] data) throws IOException {
    overlay.write(offset, ByteBuffer.wrap(data));
    System.arraycopy(data, 0, expected, offset, data.length);
  }

  private byte[] read(long offset, int length) throws IOException {
    ByteBuffer target = ByteBuffer.allocate(length);
    overlay.read(offset, target);
    assertThat(target.hasRemaining()).isFalse();
    return target.array();
  }

  private static byte[] filled(int length, int value) {
    byte[] data = new byte[length];
    Arrays.fill(data, (byte) value);
    return data;
  }
}
