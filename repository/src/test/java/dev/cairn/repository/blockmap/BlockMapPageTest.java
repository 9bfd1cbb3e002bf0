package dev.cairn.repository.blockmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.cairn.repository.crypto.ChunkId;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BlockMapPageTest {
  private static final int FANOUT = BlockMapPage.FANOUT;
  private static final int HEADER = 4 + FANOUT / 8;

  private static ChunkId randomId(SplittableRandom random) {
    return new ChunkId(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
  }

  private static ChunkId[] randomSlots(SplittableRandom random, double density) {
    ChunkId[] slots = new ChunkId[FANOUT];
    for (int i = 0; i < FANOUT; i++) {
      if (random.nextDouble() < density) {
        slots[i] = randomId(random);
      }
    }
    return slots;
  }

  @RepeatedTest(20)
  void randomSparsePagesRoundTripAtTheirLevel(RepetitionInfo repetition) {
    SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
    ChunkId[] slots = randomSlots(random, random.nextDouble());
    int present = (int) Arrays.stream(slots).filter(s -> s != null).count();
    int level = random.nextInt(5);

    byte[] page = BlockMapPage.encode(level, slots);

    if (present == 0) {
      assertThat(page).isNull();
    } else {
      assertThat(page).hasSize(HEADER + present * ChunkId.LENGTH);
      assertThat(BlockMapPage.decode(page, level)).containsExactly(slots);
    }
  }

  @Test
  void aFullPageRoundTrips() {
    ChunkId[] slots = randomSlots(new SplittableRandom(1), 1.1);

    byte[] page = BlockMapPage.encode(2, slots);

    assertThat(page).hasSize(HEADER + FANOUT * ChunkId.LENGTH);
    assertThat(ByteBuffer.wrap(page).getShort(2)).isEqualTo((short) FANOUT);
    assertThat(BlockMapPage.decode(page, 2)).containsExactly(slots);
  }

  @Test
  void anEmptyPageEncodesToNull() {
    assertThat(BlockMapPage.encode(0, new ChunkId[FANOUT])).isNull();
  }

  @Test
  void firstAndLastSlotsRoundTrip() {
    ChunkId[] slots = new ChunkId[FANOUT];
    slots[0] = new ChunkId(1, 1, 1, 1);
    slots[FANOUT - 1] = new ChunkId(-1, -1, -1, -1);

    assertThat(BlockMapPage.decode(BlockMapPage.encode(0, slots), 0)).containsExactly(slots);
  }

  @Test
  void theEncodingIsTheOneTheFormatSpecifies() {
    ChunkId[] slots = new ChunkId[FANOUT];
    ChunkId nine = new ChunkId(9, 9, 9, 9);
    ChunkId three = new ChunkId(3, 3, 3, 3);
    slots[9] = nine;
    slots[3] = three;

    byte[] page = BlockMapPage.encode(1, slots);

    ByteBuffer buffer = ByteBuffer.wrap(page);
    assertThat(buffer.get()).as("level").isEqualTo((byte) 1);
    assertThat(buffer.get()).as("reserved").isZero();
    assertThat(buffer.getShort()).as("present count").isEqualTo((short) 2);
    byte[] bitmap = new byte[FANOUT / 8];
    buffer.get(bitmap);
    byte[] expectedBitmap = new byte[FANOUT / 8];
    expectedBitmap[0] = 1 << 3; // slot 3: bit 3 of byte 0, least significant first
    expectedBitmap[1] = 1 << 1; // slot 9: bit 1 of byte 1
    assertThat(bitmap).isEqualTo(expectedBitmap);
    assertThat(ChunkId.fromBuffer(buffer)).as("ids in slot order").isEqualTo(three);
    assertThat(ChunkId.fromBuffer(buffer)).isEqualTo(nine);
    assertThat(buffer.hasRemaining()).isFalse();
  }

  @Test
  void decodeRefusesAPageOfAnotherLevel() {
    ChunkId[] slots = new ChunkId[FANOUT];
    slots[5] = new ChunkId(1, 2, 3, 4);
    byte[] page = BlockMapPage.encode(0, slots);

    assertThatThrownBy(() -> BlockMapPage.decode(page, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("level 0 where level 1");
  }

  @Test
  void decodeRefusesEveryTruncationAndExtension() {
    byte[] page = BlockMapPage.encode(0, randomSlots(new SplittableRandom(2), 0.01));

    for (int length = 0; length < page.length; length++) {
      byte[] truncated = Arrays.copyOf(page, length);
      assertThat(catchThrowable(() -> BlockMapPage.decode(truncated, 0)))
          .as("truncated to %d", length)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> BlockMapPage.decode(Arrays.copyOf(page, page.length + 32), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decodeRefusesABitmapThatDisagreesWithTheCount() {
    ChunkId[] slots = new ChunkId[FANOUT];
    slots[0] = new ChunkId(1, 2, 3, 4);
    slots[1] = new ChunkId(5, 6, 7, 8);
    byte[] page = BlockMapPage.encode(0, slots);

    byte[] extraBit = page.clone();
    extraBit[4] |= 1 << 2; // a third slot marked, only two ids
    byte[] missingBit = page.clone();
    missingBit[4] &= ~1; // one slot marked, two ids

    assertThatThrownBy(() -> BlockMapPage.decode(extraBit, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("disagrees");
    assertThatThrownBy(() -> BlockMapPage.decode(missingBit, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("disagrees");
  }

  @Test
  void decodeRefusesACountAboveTheFanout() {
    byte[] page = new byte[HEADER + (FANOUT + 1) * ChunkId.LENGTH];
    ByteBuffer.wrap(page).put((byte) 0).put((byte) 0).putShort((short) (FANOUT + 1));
    Arrays.fill(page, 4, HEADER, (byte) 0xff);

    assertThatThrownBy(() -> BlockMapPage.decode(page, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @RepeatedTest(10)
  void randomGarbageIsRefusedWithIllegalArgumentOnly(RepetitionInfo repetition) {
    SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
    for (int i = 0; i < 200; i++) {
      byte[] garbage = new byte[random.nextInt(HEADER + 3 * ChunkId.LENGTH)];
      random.nextBytes(garbage);
      if (garbage.length > 4) {
        garbage[0] = 0;
      }

      Throwable thrown = catchThrowable(() -> BlockMapPage.decode(garbage, 0));

      assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "0, 1",
    "1, 1",
    "1024, 1",
    "1025, 2",
    "1048576, 2",
    "1048577, 3",
    "1073741824, 3",
    "1073741825, 4",
    "1099511627776, 4",
    "1099511627777, 5"
  })
  void depthIsTheSmallestWhoseFanoutPowerCoversTheBlocks(long blockCount, int depth) {
    assertThat(BlockMapPage.depthFor(blockCount)).isEqualTo(depth);
  }

  @Test
  void depthForTheLargestBlockCountsTerminates() {
    // 1024^6 = 2^60 < Long.MAX_VALUE: a loop multiplying by 1024 must not overflow into a hang.
    int depth =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> BlockMapPage.depthFor(Long.MAX_VALUE));

    assertThat(depth).isEqualTo(7);
    assertThat(BlockMapPage.depthFor(1L << 60)).isEqualTo(6);
    assertThat(BlockMapPage.depthFor((1L << 60) + 1)).isEqualTo(7);
  }
}
