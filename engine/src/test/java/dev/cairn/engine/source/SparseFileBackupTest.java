package dev.cairn.engine.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.point.RestorePoint;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full backup of a sparse image file reads only where the file system says data is. */
class SparseFileBackupTest {
  private static final int MIB = 1024 * 1024;

  @TempDir Path directory;

  private Path sparseImage(long size, long... dataOffsets) throws Exception {
    Path image = directory.resolve("sparse.img");
    SplittableRandom random = new SplittableRandom(11);
    byte[] data = new byte[MIB];
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(size);
      for (long offset : dataOffsets) {
        random.nextBytes(data);
        file.seek(offset);
        file.write(data);
      }
    }
    return image;
  }

  @Test
  void theFileSystemReportsTheDataExtentsOfASparseImage() throws Exception {
    Path image = sparseImage(256L * MIB, 0, 100L * MIB);
    Optional<List<ChangedExtents.Extent>> extents = SparseFiles.dataExtents(image, 256L * MIB);

    assertThat(extents).isPresent();
    long covered = extents.get().stream().mapToLong(ChangedExtents.Extent::length).sum();
    assertThat(covered).isBetween(2L * MIB, 8L * MIB);
    assertThat(extents.get()).allSatisfy(extent -> assertThat(extent.offset()).isNotNegative());
  }

  @Test
  void aFullBackupSkipsHolesAndStillRestoresEveryByte() throws Exception {
    long size = 512L * MIB + 12345;
    Path image = sparseImage(size, 3L * MIB, 200L * MIB + 4096, 512L * MIB - MIB);
    TestRepository test = TestRepository.create();
    RestorePoint point;
    try (FileDiskSource source = FileDiskSource.open(image)) {
      point = test.backup("sparse-vm", source).point();
    }

    assertThat(point.statistics().bytesRead()).isLessThanOrEqualTo(4L * MIB);
    assertThat(point.statistics().zeroBlocks()).isGreaterThan(8000);
    Path restored = test.restore(point, 0, directory);
    assertThat(Files.mismatch(restored, image)).isEqualTo(-1);
  }

  @Test
  void aFileWithoutHolesIsReadWhole() throws Exception {
    Path image = directory.resolve("dense.img");
    byte[] content = new byte[3 * MIB];
    new SplittableRandom(3).nextBytes(content);
    Files.write(image, content);

    Optional<List<ChangedExtents.Extent>> extents = SparseFiles.dataExtents(image, content.length);

    assertThat(extents)
        .hasValueSatisfying(
            list -> assertThat(list).containsExactly(new ChangedExtents.Extent(0, content.length)));
  }
}
