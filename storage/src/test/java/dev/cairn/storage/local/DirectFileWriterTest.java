package dev.cairn.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every byte lands where it was written whichever channel takes it: aligned direct buffers, heap
 * arrays, misaligned buffers, unaligned positions and tails, disjoint writes from several threads,
 * around the page cache and, with the switch off, through it.
 */
class DirectFileWriterTest {
  private static final Set<String> DIRECT_CAPABLE = Set.of("ext4", "xfs", "btrfs");

  @TempDir Path directory;

  @Test
  void onAFileSystemThatTakesODirectTheWriterGoesAroundThePageCache() throws IOException {
    String type = Files.getFileStore(directory).type();
    Path file = directory.resolve("direct.bin");
    // On the project's machines the temporary directory is ext4; other file systems may or may
    // not take O_DIRECT, and the other tests check that the bytes land either way.
    assumeTrue(DIRECT_CAPABLE.contains(type), "temporary directory on " + type);
    try (DirectFileWriter writer = DirectFileWriter.open(file, create())) {
      assertThat(writer.isDirect()).isTrue();
    }
  }

  @Test
  void alignedDirectHeapAndMisalignedBuffersAllLandAtTheirPositions() throws IOException {
    Path file = directory.resolve("mixed.bin");
    byte[] expected = new byte[(3 << 20) + 4096 * 5 + 777];
    new Random(7).nextBytes(expected);
    try (DirectFileWriter writer = DirectFileWriter.open(file, create())) {
      // An aligned direct buffer (the restore's case): [0, 1 MiB)
      ByteBuffer aligned = ByteBuffer.allocateDirect((1 << 20) + 4096).alignedSlice(4096);
      aligned.limit(1 << 20).put(0, expected, 0, 1 << 20);
      writer.write(0, aligned);
      assertThat(aligned.hasRemaining()).isFalse();
      // A heap array (a pack's case): [1 MiB, 2 MiB + 100)
      writer.write(1 << 20, ByteBuffer.wrap(expected, 1 << 20, (1 << 20) + 100).slice());
      // An unaligned position: [2 MiB + 100, 2 MiB + 5000)
      int at = (2 << 20) + 100;
      writer.write(at, ByteBuffer.wrap(expected, at, 4900).slice());
      // A direct buffer whose address is off by one page boundary: the rest, with an odd tail
      at = (2 << 20) + 5000;
      int rest = expected.length - at;
      ByteBuffer offset = ByteBuffer.allocateDirect(rest + 1).position(1).slice();
      offset.put(0, expected, at, rest);
      writer.write(at, offset);
      writer.force();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  @Test
  void anAlignedRunWithAnOddTailWritesTheTailThroughThePageCache() throws IOException {
    Path file = directory.resolve("tail.bin");
    byte[] expected = new byte[(64 << 10) * 3 + 1000];
    new Random(11).nextBytes(expected);
    try (DirectFileWriter writer = DirectFileWriter.open(file, create())) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(expected.length + 8192).alignedSlice(4096);
      buffer.put(0, expected).limit(expected.length);
      writer.write(0, buffer);
      writer.force();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  @Test
  void disjointWritesFromSeveralThreadsAllLand() throws Exception {
    Path file = directory.resolve("parallel.bin");
    int piece = 256 << 10;
    byte[] expected = new byte[piece * 32];
    new Random(13).nextBytes(expected);
    try (DirectFileWriter writer = DirectFileWriter.open(file, create());
        ExecutorService threads = Executors.newFixedThreadPool(4)) {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 31; i >= 0; i--) { // backwards: later pieces first, into a growing file
        int index = i;
        done.add(
            threads.submit(
                () -> {
                  writer.write(
                      (long) index * piece, ByteBuffer.wrap(expected, index * piece, piece));
                  return null;
                }));
      }
      for (Future<?> future : done) {
        future.get();
      }
      writer.force();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  @Test
  void aDirectWriteTheFileSystemRejectsIsRedoneThroughThePageCache() throws IOException {
    String type = Files.getFileStore(directory).type();
    assumeTrue(DIRECT_CAPABLE.contains(type), "temporary directory on " + type);
    Path file = directory.resolve("rejected.bin");
    byte[] expected = new byte[(1 << 20) + 512 * 3];
    new Random(29).nextBytes(expected);
    // Aligned to 512 bytes where the file system wants 4096: the JDK refuses the direct write at
    // offset 512, as a file system would with EINVAL on an alignment it did not announce.
    try (DirectFileWriter writer = DirectFileWriter.open(file, 512, create())) {
      assertThat(writer.isDirect()).isTrue();
      writer.write(0, ByteBuffer.wrap(expected, 0, 512));
      writer.write(512, ByteBuffer.wrap(expected, 512, expected.length - 512).slice());
      assertThat(writer.isDirect()).isFalse(); // and it does not try again on this file
      writer.force();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  @Test
  void withTheSwitchOffEverythingGoesThroughThePageCache() throws IOException {
    Path file = directory.resolve("buffered.bin");
    byte[] expected = new byte[(1 << 20) + 3];
    new Random(17).nextBytes(expected);
    String before = System.getProperty(DirectFileWriter.DISABLE_PROPERTY);
    System.setProperty(DirectFileWriter.DISABLE_PROPERTY, "true");
    try (DirectFileWriter writer = DirectFileWriter.open(file, create())) {
      assertThat(writer.isDirect()).isFalse();
      writer.write(0, ByteBuffer.wrap(expected));
      writer.force();
    } finally {
      if (before == null) {
        System.clearProperty(DirectFileWriter.DISABLE_PROPERTY);
      } else {
        System.setProperty(DirectFileWriter.DISABLE_PROPERTY, before);
      }
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  @Test
  void onTmpfsTheBytesLandWhetherOrNotItTakesODirect() throws IOException {
    // tmpfs refused O_DIRECT before Linux 6.6 and takes it since.
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no writable /dev/shm");
    Path dir = Files.createTempDirectory(shm, "cairn-direct-test");
    Path file = dir.resolve("tmpfs.bin");
    byte[] expected = new byte[(2 << 20) + 9];
    new Random(19).nextBytes(expected);
    try {
      try (DirectFileWriter writer = DirectFileWriter.open(file, create())) {
        writer.write(0, ByteBuffer.wrap(expected));
        writer.force();
      }
      assertThat(Files.readAllBytes(file)).isEqualTo(expected);
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  private static StandardOpenOption[] create() {
    return new StandardOpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
  }
}
