package dev.cairn.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkIdTest {

  private static ChunkId randomId(SplittableRandom random) {
    return new ChunkId(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
  }

  @RepeatedTest(20)
  void hexRoundTripsAndIsTheBigEndianBytesInLowerCase(RepetitionInfo repetition) {
    SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
    byte[] bytes = new byte[ChunkId.LENGTH];
    random.nextBytes(bytes);

    ChunkId id = ChunkId.fromBytes(bytes, 0);

    assertThat(id.toHex()).isEqualTo(HexFormat.of().formatHex(bytes)).hasSize(64);
    assertThat(ChunkId.fromHex(id.toHex())).isEqualTo(id);
    assertThat(id.toBytes()).isEqualTo(bytes);
    assertThat(id.shortHex()).isEqualTo(id.toHex().substring(0, 12));
    assertThat(id).hasToString(id.shortHex());
  }

  @Test
  void fromBytesReadsAtTheGivenOffsetAndWriteToWritesAtIt() {
    byte[] source = new byte[ChunkId.LENGTH + 7];
    new SplittableRandom(1).nextBytes(source);
    ChunkId id = ChunkId.fromBytes(source, 7);

    byte[] target = new byte[ChunkId.LENGTH + 3];
    id.writeTo(target, 3);
    ByteBuffer buffer = ByteBuffer.allocate(ChunkId.LENGTH);
    id.writeTo(buffer);

    assertThat(java.util.Arrays.copyOfRange(target, 3, target.length))
        .isEqualTo(java.util.Arrays.copyOfRange(source, 7, source.length));
    assertThat(target[0]).isZero();
    assertThat(ChunkId.fromBuffer(buffer.flip())).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "00",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"
      })
  void fromHexRejectsAnythingButSixtyFourHexDigits(String hex) {
    assertThatThrownBy(() -> ChunkId.fromHex(hex)).isInstanceOf(IllegalArgumentException.class);
  }

  @RepeatedTest(10)
  void orderingIsUnsignedLexicographicOrderOfTheBytes(RepetitionInfo repetition) {
    SplittableRandom random = new SplittableRandom(1000 + repetition.getCurrentRepetition());
    for (int i = 0; i < 2000; i++) {
      ChunkId a = randomId(random);
      // Share a random number of leading words so that every word decides some comparisons.
      int shared = random.nextInt(5);
      ChunkId b = randomId(random);
      b =
          new ChunkId(
              shared > 0 ? a.word0() : b.word0(),
              shared > 1 ? a.word1() : b.word1(),
              shared > 2 ? a.word2() : b.word2(),
              shared > 3 ? a.word3() : b.word3());

      int expected = Integer.signum(a.toHex().compareTo(b.toHex()));

      assertThat(Integer.signum(a.compareTo(b)))
          .as("%s vs %s", a.toHex(), b.toHex())
          .isEqualTo(expected);
      assertThat(Integer.signum(b.compareTo(a))).isEqualTo(-expected);
    }
  }

  @Test
  void anIdWithTheHighBitSetSortsAfterOneWithout() {
    ChunkId high = ChunkId.fromHex("8" + "0".repeat(63));
    ChunkId low = ChunkId.fromHex("7" + "f".repeat(63));

    assertThat(high).isGreaterThan(low);
  }

  @Test
  void idsAreEqualExactlyWhenAllFourWordsAreEqual() {
    ChunkId id = new ChunkId(1, 2, 3, 4);

    assertThat(id).isEqualTo(new ChunkId(1, 2, 3, 4)).hasSameHashCodeAs(new ChunkId(1, 2, 3, 4));
    assertThat(id.compareTo(new ChunkId(1, 2, 3, 4))).isZero();
    assertThat(id)
        .isNotEqualTo(new ChunkId(0, 2, 3, 4))
        .isNotEqualTo(new ChunkId(1, 0, 3, 4))
        .isNotEqualTo(new ChunkId(1, 2, 0, 4))
        .isNotEqualTo(new ChunkId(1, 2, 3, 0));
  }
}
