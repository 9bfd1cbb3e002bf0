package dev.cairn.benchmarks.kernels;

import dev.cairn.repository.compression.Compressor;
import dev.cairn.repository.crypto.ChunkHasher;
import dev.cairn.repository.crypto.ChunkId;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.repository.crypto.ObjectCipher;
import dev.cairn.repository.pack.BlobType;
import dev.cairn.repository.pack.Compression;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.pack.PackWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cairn's per-block backup kernel on one core: keyed hash, zstd-1 (kept raw when it does not help)
 * and AES-GCM sealing into a pack buffer, for random and text-like 64 KiB blocks. One op = one
 * block, so MiB/s = ops/s / 16. This is what bounds a full backup's CPU.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkPipelineBenchmark {
  @Param({"random", "text"})
  public String content;

  private byte[] block;
  private byte[] scratch;
  private ChunkHasher hasher;
  private PackWriter writer;

  @Setup
  public void setup() {
    SplittableRandom random = new SplittableRandom(5);
    block = new byte[Kernels.BLOCK];
    if (content.equals("random")) {
      random.nextBytes(block);
    } else {
      String[] words = "backup restore disk block chunk repository error warning info".split(" ");
      StringBuilder text = new StringBuilder();
      while (text.length() < block.length) {
        text.append(random.nextInt(100000)).append(' ').append(words[random.nextInt(words.length)]);
        text.append(random.nextInt(8) == 0 ? '\n' : ' ');
      }
      byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(bytes, 0, block, 0, block.length);
    }
    MasterKey key = MasterKey.generate(new SecureRandom());
    hasher = new ChunkHasher(key);
    writer = new PackWriter(new ObjectCipher(key), new SecureRandom(), 16 << 20, PackKind.DATA);
    scratch = new byte[Compressor.maximumCompressedLength(block.length)];
  }

  @Benchmark
  public Object hashCompressSeal() {
    ChunkId id = hasher.hash(block, 0, block.length);
    int compressed = Compressor.compressIfWorthwhile(block, 0, block.length, scratch, 0);
    Object entry =
        compressed >= 0
            ? writer.add(id, BlobType.DATA, Compression.ZSTD, block.length, scratch, 0, compressed)
            : writer.add(id, BlobType.DATA, Compression.NONE, block.length, block, 0, block.length);
    if (writer.isFull()) {
      writer.finish();
    }
    return entry;
  }
}
