package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/** Disk images for the end-to-end tests, and byte-level tools to compare and damage files. */
final class TestImages {
  static final int BLOCK_SIZE = 64 * 1024;
  static final int MIB = 1024 * 1024;

  private TestImages() {}

  /**
   * Writes an image of {@code size} bytes made of regions of random bytes, text and zeros, of
   * seeded random lengths between 16 KiB and 400 KiB, so region borders fall inside blocks.
   */
  static Path mixed(Path file, long size, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long position = 0;
      int kind = 0;
      int line = 0;
      while (position < size) {
        int length = (int) Math.min(size - position, 16 * 1024 + random.nextInt(384 * 1024));
        byte[] region = new byte[length];
        switch (kind++ % 3) {
          case 0 -> random.nextBytes(region);
          case 1 -> {
            StringBuilder text = new StringBuilder();
            while (text.length() < length) {
              text.append("line ")
                  .append(line++)
                  .append(" of a Cairn test disk, seed ")
                  .append(seed)
                  .append(": the quick brown fox jumps over the lazy dog\n");
            }
            System.arraycopy(
                text.toString().getBytes(StandardCharsets.US_ASCII), 0, region, 0, length);
          }
          default -> {} // zeros
        }
        writeFully(channel, ByteBuffer.wrap(region), position);
        position += length;
      }
    }
    return file;
  }

  /**
   * Writes {@code size} bytes of seeded random data in 1 MiB chunks (fast enough for 100s of MiB).
   */
  static Path random(Path file, long size, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer buffer = ByteBuffer.allocate(MIB);
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long position = 0;
      while (position < size) {
        buffer.clear();
        while (buffer.remaining() >= Long.BYTES) {
          buffer.putLong(random.nextLong());
        }
        buffer.flip();
        buffer.limit((int) Math.min(buffer.limit(), size - position));
        position += writeFully(channel, buffer, position);
      }
    }
    return file;
  }

  /** Overwrites {@code length} bytes at {@code offset} with seeded random bytes. */
  static void scribble(Path file, long offset, int length, long seed) throws IOException {
    byte[] data = new byte[length];
    new SplittableRandom(seed).nextBytes(data);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      writeFully(channel, ByteBuffer.wrap(data), offset);
    }
  }

  /** Inverts the bits of the byte at {@code position}. */
  static void flipByte(Path file, long position) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      assertThat(channel.read(one, position)).isEqualTo(1);
      one.put(0, (byte) ~one.get(0)).rewind();
      writeFully(channel, one, position);
    }
  }

  static void truncate(Path file, long size) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(size);
    }
  }

  static void assertSameContent(Path expected, Path actual) throws IOException {
    assertThat(actual).isRegularFile();
    assertThat(Files.size(actual)).as("size of %s", actual).isEqualTo(Files.size(expected));
    assertThat(Files.mismatch(expected, actual))
        .as("first differing byte of %s and %s (-1: none)", actual, expected)
        .isEqualTo(-1L);
  }

  /** Regular files under {@code directory}, sorted. */
  static List<Path> filesUnder(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** The largest regular file under {@code directory}. */
  static Path largestFileUnder(Path directory) throws IOException {
    Path largest = null;
    for (Path file : filesUnder(directory)) {
      if (largest == null || Files.size(file) > Files.size(largest)) {
        largest = file;
      }
    }
    assertThat(largest).as("a file under %s", directory).isNotNull();
    return largest;
  }

  /**
   * Every object of a repository directory (name and CRC-32 of the content), leaving out locks and
   * the local store's temporary directory: what must not change when a command fails.
   */
  static Map<String, String> snapshot(Path repository) throws IOException {
    Map<String, String> objects = new TreeMap<>();
    for (Path file : filesUnder(repository)) {
      String name = repository.relativize(file).toString();
      if (name.startsWith(".tmp/") || name.startsWith("locks/")) {
        continue;
      }
      CRC32 crc = new CRC32();
      crc.update(Files.readAllBytes(file));
      objects.put(name, Files.size(file) + "/" + Long.toHexString(crc.getValue()));
    }
    return objects;
  }

  /** Total bytes of the regular files under {@code directory}. */
  static long bytesUnder(Path directory) throws IOException {
    long total = 0;
    for (Path file : filesUnder(directory)) {
      total += Files.size(file);
    }
    return total;
  }

  /** Copies a directory tree. */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path source : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }

  private static int writeFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    int written = 0;
    while (buffer.hasRemaining()) {
      written += channel.write(buffer, position + written);
    }
    return written;
  }
}
