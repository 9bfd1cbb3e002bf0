package dev.cairn.nbd.server;

import static dev.cairn.nbd.protocol.NbdProtocol.*;
import static dev.cairn.nbd.server.ServerWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.server.RawClient.Chunk;
import dev.cairn.nbd.testing.MemoryBackend;
import dev.cairn.nbd.testing.TestContent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of mutations of valid client byte streams (handshakes, options, requests), each on a
 * connection of its own. The server must answer or hang up every one without failing in itself,
 * leak no connection, and afterwards still serve a well-behaved client. Seeded: a failure replays
 * with the seed in its message.
 */
@Timeout(300)
class ProtocolFuzzTest {
  private static final long SEED = 0x5eed_cafeL;
  private static final int ITERATIONS = 3000;
  private static final int SIZE = 1 << 20;
  private static final int[] INTERESTING = {
    0, 1, -1, 0x7FFFFFFF, 0x80000000, MAX_PAYLOAD, MAX_PAYLOAD + 1, 0x10000, 4096, SIZE
  };

  private final byte[] content = TestContent.mixed(SIZE, 13);
  private final AtomicLong uncaught = new AtomicLong();
  private Thread.UncaughtExceptionHandler previousHandler;
  private NbdServer server;

  @BeforeEach
  void startServer() throws IOException {
    previousHandler = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> uncaught.incrementAndGet());
    Map<String, ExportBackend> exports = new LinkedHashMap<>();
    exports.put("ro", MemoryBackend.readOnly(content));
    exports.put("rw", MemoryBackend.writable(content));
    exports.put("", MemoryBackend.readOnly(new byte[4096]));
    server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), exports);
  }

  @AfterEach
  void stopServer() throws IOException {
    server.close();
    Thread.setDefaultUncaughtExceptionHandler(previousHandler);
  }

  @Test
  void mutatedStreamsNeverBreakTheServer() throws Exception {
    SplittableRandom random = new SplittableRandom(SEED);
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      byte[] stream = mutate(validStream(random), random);
      try {
        exchange(stream);
      } catch (AssertionError e) {
        throw new AssertionError("Iteration " + iteration + " of seed " + SEED, e);
      }
    }

    for (int wait = 0; server.connectionCount() > 0 && wait < 300; wait++) {
      Thread.sleep(100); // connections end as the server notices each client's close
    }
    assertThat(server.connectionCount()).isZero();
    assertThat(server.unexpectedFailures()).isZero();
    assertThat(uncaught.get()).isZero();

    try (RawClient client = RawClient.transmission(server.address(), "ro", true, true)) {
      client.request(0, CMD_READ, 1, 12345, 100_000);
      byte[] read = new byte[100_000];
      for (Chunk chunk : client.structuredReply()) {
        ByteBuffer payload = chunk.buffer();
        int at = (int) (payload.getLong() - 12345);
        if (chunk.type() == REPLY_TYPE_OFFSET_DATA) {
          payload.get(read, at, payload.remaining());
        } else {
          assertThat(chunk.type()).isEqualTo(REPLY_TYPE_OFFSET_HOLE);
        }
      }
      assertThat(read).isEqualTo(Arrays.copyOfRange(content, 12345, 112_345));
      client.request(0, CMD_BLOCK_STATUS, 2, 0, SIZE);
      assertThat(client.structuredReply())
          .singleElement()
          .satisfies(chunk -> assertThat(chunk.type()).isEqualTo(REPLY_TYPE_BLOCK_STATUS));
    }
  }

  /** Sends the stream, half-closes, and reads until the server hangs up. */
  private void exchange(byte[] stream) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
      socket.setSoTimeout(RawClient.TIMEOUT_MS);
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      OutputStream out = socket.getOutputStream();
                      out.write(stream);
                      out.flush();
                      socket.shutdownOutput();
                    } catch (IOException e) {
                      // The server hung up first: a fine answer to a broken stream.
                    }
                  });
      RawClient.drain(socket.getInputStream());
      writer.join();
    }
  }

  /** A client's side of a whole session that the server must accept. */
  private static byte[] validStream(SplittableRandom random) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int clientFlags = FLAG_C_FIXED_NEWSTYLE | (random.nextBoolean() ? FLAG_C_NO_ZEROES : 0);
    bytes.writeBytes(ByteBuffer.allocate(4).putInt(clientFlags).array());
    String export = random.nextInt(4) == 0 ? "ro" : "rw";
    boolean structured = random.nextInt(3) > 0;
    if (structured) {
      option(bytes, OPT_STRUCTURED_REPLY, new byte[0]);
    }
    for (int i = random.nextInt(4); i > 0; i--) {
      switch (random.nextInt(6)) {
        case 0 -> option(bytes, OPT_LIST, new byte[0]);
        case 1 -> option(bytes, OPT_INFO, RawClient.infoData(export, INFO_NAME, INFO_BLOCK_SIZE));
        case 2 -> option(bytes, OPT_LIST_META_CONTEXT, RawClient.metaContextData(export));
        case 3 -> option(bytes, OPT_STARTTLS, new byte[0]);
        case 4 -> option(bytes, 0x4242, new byte[] {1, 2, 3});
        default -> option(bytes, OPT_INFO, RawClient.infoData("nope"));
      }
    }
    if (structured) {
      option(bytes, OPT_SET_META_CONTEXT, RawClient.metaContextData(export, BASE_ALLOCATION));
    }
    if (random.nextInt(10) == 0) {
      option(bytes, OPT_EXPORT_NAME, export.getBytes(StandardCharsets.UTF_8));
    } else {
      option(bytes, OPT_GO, RawClient.infoData(export, INFO_BLOCK_SIZE));
    }
    for (int i = random.nextInt(1, 12); i > 0; i--) {
      long offset = random.nextInt(SIZE);
      int length = random.nextInt(1, (int) Math.min(65_536, SIZE - offset) + 1);
      switch (random.nextInt(6)) {
        case 0 -> request(bytes, structured ? CMD_FLAG_DF : 0, CMD_READ, offset, length, 0);
        case 1 -> request(bytes, 0, CMD_WRITE, offset, Math.min(length, 4096), random.nextInt());
        case 2 -> request(bytes, CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, offset, length, 0);
        case 3 -> request(bytes, 0, CMD_TRIM, offset, length, 0);
        case 4 -> request(bytes, 0, CMD_FLUSH, 0, 0, 0);
        default -> request(bytes, CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, offset, length, 0);
      }
    }
    if (random.nextInt(5) > 0) {
      request(bytes, 0, CMD_DISC, 0, 0, 0);
    }
    return bytes.toByteArray();
  }

  /** One to four random edits: bit flips, overwrites, boundary values, inserts, cuts. */
  private static byte[] mutate(byte[] stream, SplittableRandom random) {
    byte[] mutated = stream;
    for (int edits = random.nextInt(1, 5); edits > 0; edits--) {
      int at = random.nextInt(mutated.length);
      switch (random.nextInt(7)) {
        case 0 -> mutated[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> mutated[at] = (byte) random.nextInt(256);
        case 2 -> {
          int position = Math.min(at, mutated.length - 4);
          if (position >= 0) {
            int value = INTERESTING[random.nextInt(INTERESTING.length)];
            ByteBuffer.wrap(mutated).putInt(position, value);
          }
        }
        case 3 -> {
          byte[] noise = new byte[random.nextInt(1, 17)];
          random.nextBytes(noise);
          mutated = splice(mutated, at, 0, noise);
        }
        case 4 -> mutated = splice(mutated, at, random.nextInt(1, 17), new byte[0]);
        case 5 -> mutated = Arrays.copyOf(mutated, at); // the client stops half way
        default -> {
          int length = Math.min(mutated.length - at, random.nextInt(1, 64));
          mutated = splice(mutated, at, 0, Arrays.copyOfRange(mutated, at, at + length));
        }
      }
      if (mutated.length == 0) {
        return mutated;
      }
    }
    return mutated;
  }

  private static byte[] splice(byte[] bytes, int at, int remove, byte[] insert) {
    int removed = Math.min(remove, bytes.length - at);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bytes, 0, at);
    out.writeBytes(insert);
    out.write(bytes, at + removed, bytes.length - at - removed);
    return out.toByteArray();
  }

  private static void option(ByteArrayOutputStream bytes, int option, byte[] data) {
    bytes.writeBytes(
        ByteBuffer.allocate(16 + data.length)
            .putLong(IHAVEOPT)
            .putInt(option)
            .putInt(data.length)
            .put(data)
            .array());
  }

  private static void request(
      ByteArrayOutputStream bytes, int flags, int type, long offset, int length, int fill) {
    ByteBuffer header =
        ByteBuffer.allocate(REQUEST_HEADER_SIZE)
            .putInt(REQUEST_MAGIC)
            .putShort((short) flags)
            .putShort((short) type)
            .putLong(offset ^ 0x1234)
            .putLong(offset)
            .putInt(length);
    bytes.writeBytes(header.array());
    if (type == CMD_WRITE) {
      byte[] payload = new byte[length];
      Arrays.fill(payload, (byte) fill);
      bytes.writeBytes(payload);
    }
  }
}
