package dev.cairn.engine.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.engine.source.ChangedExtents.Extent;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChangedExtentsTest {
  private static final int BLOCK = 64 * 1024;

  @TempDir Path directory;

  @Test
  void parsesOffsetLengthLinesSkippingBlanksAndComments() throws Exception {
    Path file = directory.resolve("extents.txt");
    Files.writeString(file, "# from CBT\n0 4096\n\n   65536\t100  \n# end\n");

    assertThat(ChangedExtents.parse(file))
        .containsExactly(new Extent(0, 4096), new Extent(65536, 100));
  }

  @Test
  void aMalformedLineIsNamedOnce() throws Exception {
    Path file = directory.resolve("extents.txt");
    Files.writeString(file, "0 4096\n12 potato\n");

    CairnException failure =
        catchThrowableOfType(CairnException.class, () -> ChangedExtents.parse(file));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(failure).hasMessageContaining(file.toString()).hasMessageContaining("line 2");
    assertThat(failure.getMessage().split("Cannot read changed extents", -1)).hasSize(2);
  }

  @Test
  void aMissingFileIsNamed() {
    Path file = directory.resolve("absent.txt");

    CairnException failure =
        catchThrowableOfType(CairnException.class, () -> ChangedExtents.parse(file));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(failure).hasMessageContaining(file.toString()).hasMessageContaining("no such file");
  }

  @Test
  void negativeRangesAreRejected() throws Exception {
    Path file = directory.resolve("extents.txt");
    Files.writeString(file, "-5 10\n");

    assertThat(catchThrowableOfType(CairnException.class, () -> ChangedExtents.parse(file)))
        .hasMessageContaining("line 1");
  }

  @Test
  void extentsBecomeMergedBlockRanges() throws Exception {
    long size = 10L * BLOCK + 10;
    ChangedExtents changed =
        ChangedExtents.of(
            List.of(
                new Extent(5L * BLOCK + 1, 1), // block 5
                new Extent(BLOCK - 1, 2), // blocks 0 and 1
                new Extent(4L * BLOCK, BLOCK), // block 4, adjacent to 5
                new Extent(7L * BLOCK, 0), // empty: nothing
                new Extent(10L * BLOCK, 10)), // the partial last block
            BLOCK,
            size,
            "disk");

    assertThat(changed.blockCount()).isEqualTo(5);
    assertThat(changed.blocksIn(0, 11)).containsExactly(0, 1, 4, 5, 10);
    assertThat(changed.blocksIn(2, 5)).containsExactly(4);
    assertThat(changed.touches(2, 4)).isFalse();
    assertThat(changed.touches(6, 10)).isFalse();
    assertThat(changed.touches(6, 11)).isTrue();
    assertThat(changed.touches(10, 10)).as("an empty range touches nothing").isFalse();
  }

  @Test
  void anExtentPastTheEndIsRejected() {
    CairnException failure =
        catchThrowableOfType(
            CairnException.class,
            () -> ChangedExtents.of(List.of(new Extent(100, 1)), BLOCK, 100, "/dev/sdb"));

    assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(failure).hasMessageContaining("/dev/sdb").hasMessageContaining("100+1");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void randomExtentsCoverExactlyTheBlocksTheyTouch(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    long blocks = random.nextInt(1, 5000);
    long size = blocks * BLOCK - random.nextInt(BLOCK);
    BitSet expected = new BitSet();
    List<Extent> extents = new ArrayList<>();
    for (int i = random.nextInt(0, 60); i > 0; i--) {
      long offset = random.nextLong(size);
      long length = Math.min(size - offset, random.nextLong(1, 5L * BLOCK));
      extents.add(new Extent(offset, length));
      expected.set((int) (offset / BLOCK), (int) ((offset + length - 1) / BLOCK) + 1);
    }

    ChangedExtents changed = ChangedExtents.of(extents, BLOCK, size, "disk");

    assertThat(changed.blockCount()).isEqualTo(expected.cardinality());
    assertThat(changed.blocksIn(0, blocks))
        .containsExactly(expected.stream().asLongStream().toArray());
    for (int i = 0; i < 50; i++) {
      long from = random.nextLong(blocks);
      long to = random.nextLong(from + 1, blocks + 1);
      int next = expected.nextSetBit((int) from);
      assertThat(changed.touches(from, to)).isEqualTo(next >= 0 && next < to);
    }
  }
}
