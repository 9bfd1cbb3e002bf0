package dev.cairn.repository.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CompressorTest {
  private static final int BLOCK = 64 * 1024;

  private static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] text(int length) {
    byte[] line =
        "the quick brown fox jumps over the lazy dog 0123456789\n"
            .getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = line[i % line.length];
    }
    return bytes;
  }

  private static byte[] output(int length) {
    return new byte[Compressor.maximumCompressedLength(length)];
  }

  @Test
  void compressibleDataIsCompressedAndDecompressesToTheOriginal() {
    byte[] input = text(BLOCK);
    byte[] output = output(BLOCK);

    int compressed = Compressor.compressIfWorthwhile(input, 0, BLOCK, output, 0);

    assertThat(compressed).isPositive().isLessThan(BLOCK / 10);
    assertThat(Compressor.decompress(output, 0, compressed, BLOCK)).isEqualTo(input);
  }

  @Test
  void randomDataIsKeptRaw() {
    byte[] input = random(BLOCK, 1);

    assertThat(Compressor.compressIfWorthwhile(input, 0, BLOCK, output(BLOCK), 0)).isEqualTo(-1);
  }

  @Test
  void dataThatSavesLessThanOneThirtySecondIsKeptRaw() {
    byte[] input = random(BLOCK, 2);
    Arrays.fill(input, 0, BLOCK / 40, (byte) 0); // zstd saves about 2.5%

    assertThat(Compressor.compress(input).length).as("zstd alone").isLessThan(BLOCK - BLOCK / 50);
    assertThat(Compressor.compressIfWorthwhile(input, 0, BLOCK, output(BLOCK), 0)).isEqualTo(-1);
  }

  @Test
  void dataThatSavesMoreThanOneThirtySecondIsCompressed() {
    byte[] input = random(BLOCK, 3);
    Arrays.fill(input, 0, BLOCK / 8, (byte) 0); // saves about 12%

    byte[] output = output(BLOCK);
    int compressed = Compressor.compressIfWorthwhile(input, 0, BLOCK, output, 0);

    assertThat(compressed).isPositive().isLessThan(BLOCK - BLOCK / 32);
    assertThat(Compressor.decompress(output, 0, compressed, BLOCK)).isEqualTo(input);
  }

  @Test
  void emptyInputIsKeptRaw() {
    assertThat(Compressor.compressIfWorthwhile(new byte[0], 0, 0, output(0), 0)).isEqualTo(-1);
  }

  @Test
  void compressesTheGivenSliceIntoTheGivenOutputOffset() {
    byte[] input = new byte[BLOCK + 100];
    System.arraycopy(text(BLOCK), 0, input, 50, BLOCK);
    byte[] output = new byte[20 + Compressor.maximumCompressedLength(BLOCK)];
    Arrays.fill(output, 0, 20, (byte) 0x55);

    int compressed = Compressor.compressIfWorthwhile(input, 50, BLOCK, output, 20);

    assertThat(compressed).isPositive();
    assertThat(Arrays.copyOf(output, 20)).containsOnly((byte) 0x55);
    assertThat(Compressor.decompress(output, 20, compressed, BLOCK)).isEqualTo(text(BLOCK));
  }

  @Test
  void anOutputTooSmallForTheCompressedFormMeansKeepRawNotAnError() {
    byte[] input = random(BLOCK, 4);
    Arrays.fill(input, 0, BLOCK / 2, (byte) 0);

    assertThat(Compressor.compressIfWorthwhile(input, 0, BLOCK, new byte[100], 0)).isEqualTo(-1);
  }

  @ParameterizedTest
  @ValueSource(ints = {BLOCK - 1, BLOCK + 1, 1, 0})
  void decompressRefusesDataOfAnotherLengthThanExpected(int expected) {
    byte[] input = text(BLOCK);
    byte[] output = output(BLOCK);
    int compressed = Compressor.compressIfWorthwhile(input, 0, BLOCK, output, 0);

    assertThatThrownBy(() -> Compressor.decompress(output, 0, compressed, expected))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decompressRefusesDataThatIsNotZstd() {
    assertThatThrownBy(() -> Compressor.decompress(random(1000, 5), 0, 1000, BLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zstd");
  }

  @Test
  void decompressRefusesTruncatedZstd() {
    byte[] output = output(BLOCK);
    int compressed = Compressor.compressIfWorthwhile(text(BLOCK), 0, BLOCK, output, 0);

    assertThatThrownBy(() -> Compressor.decompress(output, 0, compressed - 1, BLOCK))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 1000, 1 << 20})
  void wholeFramesRoundTrip(int length) {
    byte[] input = text(length);

    assertThat(Compressor.decompressFrame(Compressor.compress(input), length)).isEqualTo(input);
  }

  @Test
  void decompressFrameRefusesAFrameLargerThanTheMaximum() {
    byte[] frame = Compressor.compress(new byte[10_000]);

    assertThatThrownBy(() -> Compressor.decompressFrame(frame, 9_999))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("excessive");
  }

  @Test
  void decompressFrameRefusesGarbageAndEmptyInput() {
    assertThatThrownBy(() -> Compressor.decompressFrame(random(100, 6), 1 << 20))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Compressor.decompressFrame(new byte[0], 1 << 20))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
