package dev.cairn.nbd.client;

import static dev.cairn.nbd.protocol.NbdProtocol.BASE_ALLOCATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.testing.ScriptedServer;
import dev.cairn.nbd.testing.ServerStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutates a valid server byte stream (handshake, a read reply, a block-status reply) thousands of
 * times with a seeded random source: every case must end in success or an {@link NbdException},
 * never another exception type or a hang. A failing case names its number, which replays it.
 */
@Timeout(600)
class ReplyFuzzTest {
  private static final long SEED = 0x6e6264L;
  private static final int CASES = 5000;
  private static final int SIZE = 64 * 1024;
  private static final NbdClientOptions OPTIONS =
      NbdClientOptions.defaults()
          .withMetaContexts(List.of(BASE_ALLOCATION))
          .withConnectTimeout(Duration.ofSeconds(20))
          .withIoTimeout(Duration.ofSeconds(20));

  @Test
  void mutatedServerStreamsEndInSuccessOrNbdException() throws Exception {
    byte[] data = new byte[SIZE];
    new SplittableRandom(SEED).nextBytes(data);
    byte[] valid =
        new ServerStream()
            .handshake(SIZE, true)
            .offsetData(1, 0, Arrays.copyOfRange(data, 0, 16384), false)
            .offsetHole(1, 16384, 16384, false)
            .offsetData(1, 32768, Arrays.copyOfRange(data, 32768, SIZE), false)
            .none(1)
            .blockStatus(2, 1, true, 16384, 0, 16384, 3, 32768, 0)
            .toByteArray();
    int successes = 0;
    int failures = 0;
    try (ScriptedServer server = new ScriptedServer()) {
      for (int i = 0; i < CASES; i++) {
        server.play(mutate(valid, new SplittableRandom(SEED + i)), false);
        try (NbdClient client = NbdClient.connect(server.url("fuzz"), OPTIONS)) {
          client.read(0, ByteBuffer.allocate(SIZE));
          client.blockStatus(BASE_ALLOCATION, 0, SIZE);
          successes++;
        } catch (NbdException e) {
          assertThat(e.getMessage()).as("case %d", i).doesNotContain("timed out");
          failures++;
        } catch (Throwable e) {
          fail(
              "Case %d (seed %d) threw %s instead of an NbdException".formatted(i, SEED + i, e), e);
        }
      }
    }
    // Both outcomes must occur, or the mutations are not exercising the client.
    assertThat(successes).isPositive();
    assertThat(failures).isGreaterThan(CASES / 2);
  }

  private static byte[] mutate(byte[] valid, SplittableRandom random) {
    byte[] bytes = valid.clone();
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations && bytes.length > 8; m++) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(6)) {
        case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> bytes[at] = (byte) random.nextInt(256);
        case 2 -> {
          int[] values = {0, -1, 0x7fff_ffff, 0x8000_0000, random.nextInt(65536), 8, 9, 12};
          int index = Math.min(at, bytes.length - 4);
          ByteBuffer.wrap(bytes).putInt(index, values[random.nextInt(values.length)]);
        }
        case 3 -> bytes = Arrays.copyOf(bytes, at);
        case 4 -> {
          int end = Math.min(bytes.length, at + 1 + random.nextInt(64));
          byte[] shorter = new byte[bytes.length - (end - at)];
          System.arraycopy(bytes, 0, shorter, 0, at);
          System.arraycopy(bytes, end, shorter, at, bytes.length - end);
          bytes = shorter;
        }
        default -> {
          int length = Math.min(bytes.length - at, 1 + random.nextInt(64));
          byte[] longer = new byte[bytes.length + length];
          System.arraycopy(bytes, 0, longer, 0, at + length);
          System.arraycopy(bytes, at, longer, at + length, bytes.length - at);
          bytes = longer;
        }
      }
    }
    return bytes;
  }
}
