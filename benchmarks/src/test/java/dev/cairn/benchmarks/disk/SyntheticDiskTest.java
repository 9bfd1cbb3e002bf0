package dev.cairn.benchmarks.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDiskTest {

  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  private SyntheticDisk.Result generate(Path sub, long size, long seed, int threads)
      throws IOException {
    Files.createDirectories(sub);
    return SyntheticDisk.generate(
        new SyntheticDisk.Options(
            size,
            false,
            seed,
            sub.resolve("day1.img"),
            sub.resolve("day2.img"),
            sub.resolve("day2.extents"),
            0.02,
            threads));
  }

  @Test
  void sameSeedGivesIdenticalBytesWhateverTheThreadCount() throws Exception {
    long size = 64 * MIB;
    SyntheticDisk.Result a = generate(dir.resolve("a"), size, 42, 1);
    SyntheticDisk.Result b = generate(dir.resolve("b"), size, 42, 4);
    generate(dir.resolve("c"), size, 43, 2);

    for (String name : List.of("day1.img", "day2.img", "day2.extents")) {
      assertThat(sha256(dir.resolve("b").resolve(name)))
          .as(name)
          .isEqualTo(sha256(dir.resolve("a").resolve(name)));
    }
    assertThat(sha256(dir.resolve("c/day1.img"))).isNotEqualTo(sha256(dir.resolve("a/day1.img")));
    assertThat(a)
        .usingRecursiveComparison()
        .ignoringFieldsMatchingRegexes(".*seconds")
        .isEqualTo(b);
    assertThat(Files.size(dir.resolve("a/day1.img"))).isEqualTo(size);
    assertThat(Files.size(dir.resolve("a/day2.img"))).isEqualTo(size);
  }

  @Test
  void day1HasTheAdvertisedMix() throws Exception {
    long size = 64 * MIB;
    SyntheticDisk.Result r = generate(dir, size, 7, 2);
    SyntheticDisk.Day1Stats s = r.day1();
    assertThat(s.zeroBytes() + s.randomBytes() + s.textBytes() + s.dupBytes()).isEqualTo(size);

    // Count all-zero 1 MiB regions in the file itself.
    byte[] zero = new byte[(int) MIB];
    int zeroRegions = 0;
    int regions = 0;
    List<byte[]> nonZero = new ArrayList<>();
    try (InputStream in = Files.newInputStream(dir.resolve("day1.img"))) {
      byte[] buf;
      while ((buf = in.readNBytes((int) MIB)).length > 0) {
        regions++;
        if (Arrays.equals(buf, zero)) {
          zeroRegions++;
        } else {
          nonZero.add(buf);
        }
      }
    }
    assertThat(regions).isEqualTo(64);
    double zeroFraction = zeroRegions / (double) regions;
    assertThat(zeroFraction).isBetween(0.30, 0.40);
    assertThat((long) zeroRegions * MIB).isEqualTo(s.zeroBytes());

    // About 10% of the regions repeat an earlier one.
    long distinct =
        nonZero.stream().map(b -> HexFormat.of().formatHex(b, 0, 64)).distinct().count();
    int duplicates = nonZero.size() - (int) distinct;
    assertThat(duplicates).isBetween(4, 8);
    assertThat((long) duplicates * MIB).isEqualTo(s.dupBytes());
  }

  @Test
  void extentsCoverExactlyTheChangedBytes() throws Exception {
    checkExtents(64 * MIB, 42);
  }

  @Test
  void extentsAreExactForSizesThatAreNotWholeBlocks() throws Exception {
    checkExtents(3 * MIB + 65536 * 5 + 1000, 9);
  }

  private void checkExtents(long size, long seed) throws Exception {
    Files.createDirectories(dir);
    SyntheticDisk.Options o =
        new SyntheticDisk.Options(
            size,
            false,
            seed,
            dir.resolve("d1.img"),
            dir.resolve("d2.img"),
            dir.resolve("d2.extents"),
            0.25,
            2);
    SyntheticDisk.Result r = SyntheticDisk.generate(o);

    long[][] extents =
        Files.readAllLines(o.extents()).stream()
            .map(l -> l.split(" "))
            .map(p -> new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])})
            .toArray(long[][]::new);
    assertThat(extents.length).isEqualTo(r.day2().extents());
    long covered = 0;
    for (int i = 0; i < extents.length; i++) {
      assertThat(extents[i][0] % SyntheticDisk.BLOCK).isZero();
      assertThat(extents[i][1]).isPositive();
      assertThat(extents[i][0] + extents[i][1]).isLessThanOrEqualTo(size);
      if (i > 0) {
        // Sorted, and adjacent blocks merged: a strict gap between extents.
        assertThat(extents[i][0]).isGreaterThan(extents[i - 1][0] + extents[i - 1][1]);
      }
      covered += extents[i][1];
    }
    assertThat(covered).isEqualTo(r.day2().changedBytes());
    long blocks = (size + SyntheticDisk.BLOCK - 1) / SyntheticDisk.BLOCK;
    assertThat(r.day2().changedBlocks()).isEqualTo(Math.round(0.25 * blocks));

    boolean[] inExtent = new boolean[(int) blocks];
    for (long[] e : extents) {
      for (long off = e[0]; off < e[0] + e[1]; off += SyntheticDisk.BLOCK) {
        inExtent[(int) (off / SyntheticDisk.BLOCK)] = true;
      }
    }
    try (FileChannel a = FileChannel.open(o.out(), StandardOpenOption.READ);
        FileChannel b = FileChannel.open(o.day2(), StandardOpenOption.READ)) {
      ByteBuffer ba = ByteBuffer.allocate(SyntheticDisk.BLOCK);
      ByteBuffer bb = ByteBuffer.allocate(SyntheticDisk.BLOCK);
      for (int blk = 0; blk < blocks; blk++) {
        long off = (long) blk * SyntheticDisk.BLOCK;
        ba.clear();
        bb.clear();
        while (ba.hasRemaining() && a.read(ba, off + ba.position()) > 0) {}
        while (bb.hasRemaining() && b.read(bb, off + bb.position()) > 0) {}
        ba.flip();
        bb.flip();
        assertThat(ba.remaining()).isEqualTo((int) Math.min(SyntheticDisk.BLOCK, size - off));
        assertThat(!ba.equals(bb)).as("block %d differs", blk).isEqualTo(inExtent[blk]);
      }
    }
  }

  @Test
  void sparseImageHoldsAFewMibAtAFewOffsets() throws Exception {
    long size = 1L << 30;
    Path out = dir.resolve("sparse.img");
    SyntheticDisk.Result r =
        SyntheticDisk.generate(new SyntheticDisk.Options(size, true, 42, out, null, null, 0.02, 2));
    assertThat(Files.size(out)).isEqualTo(size);
    assertThat(r.day1().dataBytes()).isEqualTo(SyntheticDisk.SPARSE_DATA_REGIONS * MIB);
    assertThat(r.day1().zeroBytes()).isEqualTo(size - SyntheticDisk.SPARSE_DATA_REGIONS * MIB);
    try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ)) {
      ByteBuffer first = ByteBuffer.allocate(16);
      ch.read(first, 0);
      assertThat(first.array()).isNotEqualTo(new byte[16]);
    }
  }

  @Test
  void parsesSizes() {
    assertThat(SyntheticDisk.parseSize("4G")).isEqualTo(4L << 30);
    assertThat(SyntheticDisk.parseSize("256M")).isEqualTo(256L << 20);
    assertThat(SyntheticDisk.parseSize("64GiB")).isEqualTo(64L << 30);
    assertThat(SyntheticDisk.parseSize("1T")).isEqualTo(1L << 40);
    assertThat(SyntheticDisk.parseSize("12345")).isEqualTo(12345);
  }

  private static String sha256(Path p) throws IOException, NoSuchAlgorithmException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
