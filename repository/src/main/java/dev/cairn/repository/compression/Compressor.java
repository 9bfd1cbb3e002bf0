package dev.cairn.repository.compression;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

/**
 * zstd compression with one reusable native context per thread. Chunks are kept raw when zstd does
 * not save at least 1/32 of their size, so incompressible data (already compressed or encrypted
 * guest data) costs one fast failed attempt and no decompression on restore.
 */
public final class Compressor {
  /** zstd level 1: about 340 MB/s on text here, see docs/decisions/0003-compression.md. */
  public static final int DEFAULT_LEVEL = 1;

  private static final ThreadLocal<ZstdCompressCtx> COMPRESSORS =
      ThreadLocal.withInitial(() -> new ZstdCompressCtx().setLevel(DEFAULT_LEVEL));
  private static final ThreadLocal<ZstdDecompressCtx> DECOMPRESSORS =
      ThreadLocal.withInitial(ZstdDecompressCtx::new);

  private Compressor() {}

  /** Worst-case compressed size of {@code length} bytes; size output buffers with it. */
  public static int maximumCompressedLength(int length) {
    return (int) Zstd.compressBound(length);
  }

  /**
   * Compresses into {@code output} at {@code outputOffset} if that saves enough.
   *
   * @return the compressed length, or -1 if the data should be stored raw
   */
  public static int compressIfWorthwhile(
      byte[] input, int offset, int length, byte[] output, int outputOffset) {
    int capacity = output.length - outputOffset;
    try {
      int compressed =
          COMPRESSORS
              .get()
              .compressByteArray(output, outputOffset, capacity, input, offset, length);
      return compressed < length - (length >> 5) ? compressed : -1;
    } catch (ZstdException e) {
      return -1;
    }
  }

  /** Compresses a whole array (metadata objects). */
  public static byte[] compress(byte[] input) {
    return COMPRESSORS.get().compress(input);
  }

  /**
   * Decompresses exactly {@code expectedLength} bytes.
   *
   * @throws IllegalArgumentException if the data is not valid zstd or not of that length
   */
  public static byte[] decompress(byte[] input, int offset, int length, int expectedLength) {
    byte[] output = new byte[expectedLength];
    int produced;
    try {
      produced =
          DECOMPRESSORS.get().decompressByteArray(output, 0, expectedLength, input, offset, length);
    } catch (ZstdException e) {
      throw new IllegalArgumentException("invalid zstd data: " + e.getMessage(), e);
    }
    if (produced != expectedLength) {
      throw new IllegalArgumentException(
          "zstd data decompressed to " + produced + " bytes, expected " + expectedLength);
    }
    return output;
  }

  /** Decompresses a whole zstd frame whose size is recorded in the frame (metadata objects). */
  public static byte[] decompressFrame(byte[] input, int maximumLength) {
    if (input.length == 0) {
      throw new IllegalArgumentException("empty zstd frame");
    }
    long size = Zstd.getFrameContentSize(input);
    if (size < 0 || size > maximumLength) {
      throw new IllegalArgumentException("zstd frame of unknown or excessive size " + size);
    }
    return decompress(input, 0, input.length, (int) size);
  }
}
