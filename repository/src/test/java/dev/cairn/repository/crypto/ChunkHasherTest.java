package dev.cairn.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ChunkHasherTest {
  private final byte[] material = bytes(MasterKey.LENGTH, 1);
  private final ChunkHasher hasher = new ChunkHasher(MasterKey.fromBytes(material));

  private static byte[] bytes(int length, long seed) {
    byte[] bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void sameDataGivesTheSameIdAcrossHashersOfTheSameKey() {
    byte[] data = bytes(65536, 2);
    ChunkHasher other = new ChunkHasher(MasterKey.fromBytes(material.clone()));

    assertThat(hasher.hash(data, 0, data.length))
        .isEqualTo(hasher.hash(data.clone(), 0, data.length))
        .isEqualTo(other.hash(data, 0, data.length));
  }

  @Test
  void differentDataGivesDifferentIds() {
    byte[] data = bytes(4096, 3);
    byte[] changed = data.clone();
    changed[4095] ^= 1;

    assertThat(hasher.hash(data, 0, data.length)).isNotEqualTo(hasher.hash(changed, 0, 4096));
  }

  @Test
  void aDifferentKeyGivesADifferentIdForTheSameData() {
    byte[] data = bytes(4096, 4);
    byte[] otherMaterial = material.clone();
    otherMaterial[40] ^= 1; // a bit of the id key

    assertThat(new ChunkHasher(MasterKey.fromBytes(otherMaterial)).hash(data, 0, data.length))
        .isNotEqualTo(hasher.hash(data, 0, data.length));
  }

  @Test
  void theIdIsNotThePlainSha256OfTheData() throws Exception {
    byte[] data = bytes(4096, 5);

    byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(data);

    assertThat(hasher.hash(data, 0, data.length).toBytes()).isNotEqualTo(sha256);
  }

  @Test
  void theIdIsHmacSha256UnderTheLast32BytesOfTheMasterKeyAsTheFormatSays() throws Exception {
    byte[] data = bytes(10_000, 6);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Arrays.copyOfRange(material, 32, 64), "HmacSHA256"));

    assertThat(hasher.hash(data, 0, data.length).toBytes()).isEqualTo(mac.doFinal(data));
  }

  @Test
  void theDataKeyHalfDoesNotAffectIds() {
    byte[] data = bytes(1000, 7);
    byte[] otherDataKey = material.clone();
    otherDataKey[0] ^= 1;

    assertThat(new ChunkHasher(MasterKey.fromBytes(otherDataKey)).hash(data, 0, data.length))
        .isEqualTo(hasher.hash(data, 0, data.length));
  }

  @Test
  void hashesOnlyTheGivenSliceAndBuffersAgreeWithArrays() {
    byte[] data = bytes(5000, 8);
    byte[] slice = Arrays.copyOfRange(data, 100, 4100);
    ChunkId expected = hasher.hash(slice, 0, slice.length);

    assertThat(hasher.hash(data, 100, 4000)).isEqualTo(expected);
    assertThat(hasher.hash(ByteBuffer.wrap(data, 100, 4000))).isEqualTo(expected);
    assertThat(hasher.hash(ByteBuffer.allocateDirect(4000).put(slice).flip())).isEqualTo(expected);
  }

  @Test
  void aHashDoesNotLeakStateIntoTheNext() {
    byte[] first = bytes(100, 9);
    byte[] second = bytes(100, 10);
    ChunkId alone = new ChunkHasher(MasterKey.fromBytes(material)).hash(second, 0, 100);

    hasher.hash(first, 0, 100);

    assertThat(hasher.hash(second, 0, 100)).isEqualTo(alone);
  }

  @Test
  void concurrentHashingGivesTheSameIdsAsSequentialHashing() throws Exception {
    List<byte[]> inputs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      inputs.add(bytes(1 + i * 37, 100 + i));
    }
    List<ChunkId> expected = new ArrayList<>();
    for (byte[] input : inputs) {
      expected.add(new ChunkHasher(MasterKey.fromBytes(material)).hash(input, 0, input.length));
    }

    List<Future<ChunkId>> futures = new ArrayList<>();
    try (ExecutorService executor = Executors.newFixedThreadPool(8)) {
      for (int round = 0; round < 5; round++) {
        for (byte[] input : inputs) {
          futures.add(executor.submit(() -> hasher.hash(input, 0, input.length)));
        }
      }
    }

    for (int i = 0; i < futures.size(); i++) {
      assertThat(futures.get(i).get()).isEqualTo(expected.get(i % inputs.size()));
    }
  }
}
