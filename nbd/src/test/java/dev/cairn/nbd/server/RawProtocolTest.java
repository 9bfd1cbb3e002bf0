package dev.cairn.nbd.server;

import static dev.cairn.nbd.protocol.NbdProtocol.*;
import static dev.cairn.nbd.server.ServerWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.server.RawClient.Chunk;
import dev.cairn.nbd.server.RawClient.OptionReply;
import dev.cairn.nbd.server.RawClient.SimpleReply;
import dev.cairn.nbd.testing.MemoryBackend;
import dev.cairn.nbd.testing.TestContent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server against a hand-written client sending exact bytes, valid and malformed. */
@Timeout(120)
class RawProtocolTest {
  private static final int SIZE = 1 << 20;

  private final byte[] content = TestContent.mixed(SIZE, 3);
  private MemoryBackend readOnly;
  private MemoryBackend writable;
  private MemoryBackend failing;
  private NbdServer server;

  @BeforeEach
  void startServer() throws IOException {
    readOnly = MemoryBackend.readOnly(content, "test disk");
    writable = MemoryBackend.writable(new byte[SIZE]);
    failing = MemoryBackend.readOnly(content);
    failing.failBetween(0, 4096);
    Map<String, ExportBackend> exports = new LinkedHashMap<>();
    exports.put("ro", readOnly);
    exports.put("rw", writable);
    exports.put("failing", failing);
    server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), exports);
  }

  @AfterEach
  void stopServer() throws IOException {
    server.close();
    assertThat(server.unexpectedFailures()).isZero();
    assertThat(readOnly.writeCalls()).isZero();
  }

  // ---- handshake -------------------------------------------------------------------------------

  @Test
  void greetsWithFixedNewstyleAndNoZeroes() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      assertThat(client.handshakeFlags()).isEqualTo(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
    }
  }

  @Test
  void unknownClientFlagsEndTheConnection() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE | 1 << 5);
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void unsupportedOptionsAreRefusedAndNegotiationGoesOn() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.option(42, new byte[] {1, 2, 3});
      assertThat(client.optionReply().type()).isEqualTo(REP_ERR_UNSUP);
      client.option(OPT_STARTTLS, new byte[0]);
      OptionReply tls = client.optionReply();
      assertThat(tls.option()).isEqualTo(OPT_STARTTLS);
      assertThat(tls.type()).isEqualTo(REP_ERR_POLICY);
      client.go("ro");
      assertThat(client.exportSize()).isEqualTo(SIZE);
      assertRead(client, 1000, 5000);
    }
  }

  @Test
  void listsExportsWithDescriptions() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.option(OPT_LIST, new byte[] {0});
      assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
      client.option(OPT_LIST, new byte[0]);
      List<OptionReply> replies = client.replies();
      assertThat(replies).hasSize(4).last().extracting(OptionReply::type).isEqualTo(REP_ACK);
      ByteBuffer first = ByteBuffer.wrap(replies.getFirst().data());
      assertThat(replies.getFirst().type()).isEqualTo(REP_SERVER);
      assertThat(first.getInt()).isEqualTo(2);
      assertThat(StandardCharsets.UTF_8.decode(first).toString()).isEqualTo("rotest disk");
    }
  }

  @Test
  void infoDescribesTheExportAndItsBlockSizes() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.option(OPT_INFO, RawClient.infoData("rw", INFO_NAME, INFO_DESCRIPTION));
      Map<Integer, ByteBuffer> infos = new HashMap<>();
      List<OptionReply> replies = client.replies();
      assertThat(replies.getLast().type()).isEqualTo(REP_ACK);
      for (OptionReply reply : replies.subList(0, replies.size() - 1)) {
        assertThat(reply.type()).isEqualTo(REP_INFO);
        ByteBuffer data = ByteBuffer.wrap(reply.data());
        infos.put((int) data.getShort(), data);
      }
      ByteBuffer export = infos.get(INFO_EXPORT);
      assertThat(export.getLong()).isEqualTo(SIZE);
      int flags = Short.toUnsignedInt(export.getShort());
      assertThat(flags & (FLAG_HAS_FLAGS | FLAG_READ_ONLY | FLAG_SEND_WRITE_ZEROES))
          .isEqualTo(FLAG_HAS_FLAGS | FLAG_SEND_WRITE_ZEROES);
      ByteBuffer sizes = infos.get(INFO_BLOCK_SIZE);
      assertThat(List.of(sizes.getInt(), sizes.getInt(), sizes.getInt()))
          .containsExactly(1, 4096, 32 << 20);
      assertThat(StandardCharsets.UTF_8.decode(infos.get(INFO_NAME)).toString()).isEqualTo("rw");
      assertThat(infos).doesNotContainKey(INFO_DESCRIPTION); // rw has none

      client.option(OPT_INFO, RawClient.infoData("nope"));
      assertThat(client.finalReply().type()).isEqualTo(REP_ERR_UNKNOWN);
      client.option(OPT_GO, new byte[] {0, 0, 0, 9, 'r', 'o'}); // name longer than the data
      assertThat(client.finalReply().type()).isEqualTo(REP_ERR_INVALID);
      client.option(OPT_GO, Arrays.copyOf(RawClient.infoData("ro", INFO_NAME), 11)); // cut short
      assertThat(client.finalReply().type()).isEqualTo(REP_ERR_INVALID);
      client.go("ro");
      assertThat(client.transmissionFlags() & FLAG_READ_ONLY).isNotZero();
    }
  }

  @Test
  void metaContextsNeedStructuredRepliesAndOnlyBaseAllocationIsSelected() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.option(OPT_SET_META_CONTEXT, RawClient.metaContextData("ro", BASE_ALLOCATION));
      assertThat(client.finalReply().type()).isEqualTo(REP_ERR_INVALID);
      client.option(OPT_STRUCTURED_REPLY, new byte[0]);
      assertThat(client.finalReply().type()).isEqualTo(REP_ACK);

      client.option(OPT_LIST_META_CONTEXT, RawClient.metaContextData("ro", "base:"));
      List<OptionReply> listed = client.replies();
      assertThat(listed).hasSize(2);
      assertThat(contextName(listed.getFirst())).isEqualTo(BASE_ALLOCATION);

      client.option(OPT_SET_META_CONTEXT, RawClient.metaContextData("ro", "qemu:dirty-bitmap:x"));
      assertThat(client.replies()).extracting(OptionReply::type).containsExactly(REP_ACK);
      client.option(OPT_SET_META_CONTEXT, RawClient.metaContextData("nope", BASE_ALLOCATION));
      assertThat(client.finalReply().type()).isEqualTo(REP_ERR_UNKNOWN);
      byte[] broken = RawClient.metaContextData("ro", BASE_ALLOCATION);
      broken[broken.length - 16] = 99; // the query's length now runs past the option
      client.option(OPT_SET_META_CONTEXT, broken);
      assertThat(client.finalReply().type()).isEqualTo(REP_ERR_INVALID);

      client.option(OPT_SET_META_CONTEXT, RawClient.metaContextData("ro", BASE_ALLOCATION));
      List<OptionReply> selected = client.replies();
      assertThat(selected).extracting(OptionReply::type).containsExactly(REP_META_CONTEXT, REP_ACK);
      assertThat(ByteBuffer.wrap(selected.getFirst().data()).getInt()).isNotZero();
      assertThat(contextName(selected.getFirst())).isEqualTo(BASE_ALLOCATION);
    }
  }

  @Test
  void badOptionMagicEndsTheConnection() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.send(new byte[16]);
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void anOversizedOptionEndsTheConnectionWithoutBeingRead() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.send(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(OPT_GO).putInt(-1).array());
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void exportNameEntersTransmissionOrEndsTheConnection() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.option(OPT_EXPORT_NAME, "ro".getBytes(StandardCharsets.UTF_8));
      assertThat(client.readLong()).isEqualTo(SIZE);
      int flags = Short.toUnsignedInt(ByteBuffer.wrap(client.bytes(2)).getShort());
      assertThat(flags & FLAG_READ_ONLY).isNotZero();
      assertThat(client.bytes(124)).containsOnly(0); // the zeroes: NO_ZEROES not negotiated
      assertRead(client, 0, 512);
    }
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
      client.option(OPT_EXPORT_NAME, "ro".getBytes(StandardCharsets.UTF_8));
      assertThat(client.readLong()).isEqualTo(SIZE);
      client.bytes(2);
      assertRead(client, 0, 512); // no zeroes in between
    }
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.option(OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void abortIsAcknowledged() throws IOException {
    try (RawClient client = client()) {
      client.greet(FLAG_C_FIXED_NEWSTYLE);
      client.option(OPT_ABORT, new byte[0]);
      assertThat(client.optionReply().type()).isEqualTo(REP_ACK);
      assertThat(client.closedByServer()).isTrue();
    }
  }

  // ---- transmission, simple replies
  // --------------------------------------------------------------

  @Test
  void badRequestsGetErrorsAndTheConnectionStaysUsable() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "ro", false, false)) {
      assertThat(client.transmissionFlags() & FLAG_SEND_DF).isZero();
      expectError(client, 0, CMD_READ, SIZE - 10, 11, EINVAL); // past the end
      expectError(client, 0, CMD_READ, -1, 1, EINVAL); // offset 2^64 - 1
      expectError(client, 0, CMD_READ, 0, (32 << 20) + 1, EINVAL); // larger than the maximum
      expectError(client, CMD_FLAG_DF, CMD_READ, 0, 512, EINVAL); // DF needs structured replies
      expectError(client, 1 << 9, CMD_READ, 0, 512, EINVAL); // unknown flag
      expectError(client, 0, 99, 0, 512, EINVAL); // unknown command
      expectError(client, 0, CMD_BLOCK_STATUS, 0, 512, EINVAL); // no meta context
      expectError(client, 0, CMD_FLUSH, 0, 1, EINVAL); // flush takes no range
      expectError(client, 0, CMD_TRIM, 0, 512, EPERM);
      expectError(client, 0, CMD_WRITE_ZEROES, 0, 512, EPERM);
      client.request(0, CMD_WRITE, 7, 0, 3, new byte[] {1, 2, 3});
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(EPERM, 7));
      client.request(0, CMD_FLUSH, 8, 0, 0);
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 8));
      client.request(0, CMD_READ, 9, 5, 0);
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 9)); // no data follows
      assertRead(client, SIZE - 10, 10);
    }
  }

  @Test
  void writesReachAWritableExport() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "rw", false, false)) {
      byte[] data = TestContent.random(70_000, 5);
      client.request(CMD_FLAG_FUA, CMD_WRITE, 1, 333, data.length, data);
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 1));
      client.request(0, CMD_WRITE_ZEROES, 2, 1000, 100);
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 2));
      client.request(0, CMD_TRIM, 3, 2000, 100);
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 3));
      client.request(0, CMD_WRITE, 4, SIZE - 1, 2, new byte[] {1, 2});
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(ENOSPC, 4));

      byte[] expected = new byte[SIZE];
      System.arraycopy(data, 0, expected, 333, data.length);
      Arrays.fill(expected, 1000, 1100, (byte) 0);
      Arrays.fill(expected, 2000, 2100, (byte) 0);
      assertThat(writable.content()).isEqualTo(expected);
    }
  }

  @Test
  void aWriteLargerThanTheMaximumEndsTheConnection() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "rw", false, false)) {
      client.request(0, CMD_WRITE, 1, 0, (32L << 20) + 1);
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(writable.writeCalls()).isZero();
  }

  @Test
  void badRequestMagicEndsTheConnection() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "ro", false, false)) {
      client.send(new byte[28]);
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void disconnectAnswersRequestsInFlightFirst() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "ro", false, false)) {
      client.request(0, CMD_READ, 1, 0, 4096);
      client.request(0, CMD_DISC, 2, 0, 0);
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 1));
      assertThat(client.bytes(4096)).isEqualTo(Arrays.copyOf(content, 4096));
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void aBackendFailureIsEioAndLeavesTheConnectionUp() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "failing", false, false)) {
      expectError(client, 0, CMD_READ, 0, 512, EIO);
      client.request(0, CMD_READ, 2, 8192, 16);
      assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 2));
      assertThat(client.bytes(16)).isEqualTo(Arrays.copyOfRange(content, 8192, 8208));
    }
    try (RawClient client = RawClient.transmission(server.address(), "failing", true, false)) {
      client.request(0, CMD_READ, 3, 0, 512);
      Chunk error = client.chunk();
      assertThat(error.done()).isTrue();
      assertThat(error.type()).isEqualTo(REPLY_TYPE_ERROR);
      assertThat(error.buffer().getInt()).isEqualTo(EIO);
      assertThat(error.payload()).hasSize(6); // no message: it could name the server's files
    }
  }

  // ---- transmission, structured replies
  // -----------------------------------------------------------

  @Test
  void structuredReadsCoverTheRangeWithDataAndHoles() throws IOException {
    byte[] sparse = new byte[SIZE];
    System.arraycopy(content, 0, sparse, 100_000, 50_000); // data surrounded by zeroes
    try (NbdServer other =
            NbdServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                Map.of("sparse", MemoryBackend.readOnly(sparse)));
        RawClient client = RawClient.transmission(other.address(), "sparse", true, false)) {
      assertThat(client.transmissionFlags() & FLAG_SEND_DF).isNotZero();
      client.request(0, CMD_READ, 5, 1000, 400_000);
      List<Chunk> chunks = client.structuredReply();
      byte[] assembled = new byte[400_000];
      boolean sawHole = false;
      long covered = 0;
      for (Chunk chunk : chunks) {
        assertThat(chunk.cookie()).isEqualTo(5);
        ByteBuffer payload = chunk.buffer();
        long offset = payload.getLong();
        if (chunk.type() == REPLY_TYPE_OFFSET_HOLE) {
          sawHole = true;
          covered += payload.getInt();
        } else {
          assertThat(chunk.type()).isEqualTo(REPLY_TYPE_OFFSET_DATA);
          int length = payload.remaining();
          payload.get(assembled, (int) (offset - 1000), length);
          covered += length;
        }
      }
      assertThat(sawHole).isTrue();
      assertThat(covered).isEqualTo(400_000);
      assertThat(assembled).isEqualTo(Arrays.copyOfRange(sparse, 1000, 401_000));

      client.request(CMD_FLAG_DF, CMD_READ, 6, 0, 300_000);
      List<Chunk> whole = client.structuredReply();
      assertThat(whole).hasSize(1);
      assertThat(whole.getFirst().type()).isEqualTo(REPLY_TYPE_OFFSET_DATA);
      assertThat(Arrays.copyOfRange(whole.getFirst().payload(), 8, 300_008))
          .isEqualTo(Arrays.copyOf(sparse, 300_000));

      client.request(0, CMD_READ, 7, 0, (32 << 20) + 1);
      Chunk tooLarge = client.chunk();
      assertThat(tooLarge.type()).isEqualTo(REPLY_TYPE_ERROR);
      assertThat(tooLarge.buffer().getInt()).isEqualTo(EOVERFLOW);
    }
  }

  @Test
  void blockStatusReportsTheBackendsAllocation() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "ro", true, true)) {
      client.request(0, CMD_BLOCK_STATUS, 1, 4096, SIZE - 4096);
      List<Chunk> chunks = client.structuredReply();
      assertThat(chunks).hasSize(1);
      List<Extent> reported = descriptors(chunks.getFirst(), 4096);
      assertThat(reported).isEqualTo(MemoryBackend.allocationOf(content, 4096, SIZE - 4096));

      client.request(CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, 2, 0, 100);
      List<Extent> one = descriptors(client.structuredReply().getFirst(), 0);
      assertThat(one).hasSize(1);
      assertThat(one.getFirst().length()).isBetween(1L, 100L);

      expectStructuredError(client, 0, CMD_BLOCK_STATUS, SIZE, 1, EINVAL);
      expectStructuredError(client, 0, CMD_BLOCK_STATUS, 0, 0, EINVAL);
    }
  }

  @Test
  void pipelinedRequestsAreAllAnsweredWithTheirCookies() throws IOException {
    int requests = 200;
    try (RawClient client = RawClient.transmission(server.address(), "ro", true, false)) {
      for (int i = 0; i < requests; i++) {
        client.request(CMD_FLAG_DF, CMD_READ, 1000 + i, i * 4096L, 4096 + i);
      }
      boolean[] answered = new boolean[requests];
      for (int n = 0; n < requests; n++) {
        List<Chunk> reply = client.structuredReply();
        int i = (int) (reply.getFirst().cookie() - 1000);
        assertThat(answered[i]).as("cookie %d answered twice", i).isFalse();
        answered[i] = true;
        Chunk data = reply.getFirst();
        assertThat(data.buffer().getLong()).isEqualTo(i * 4096L);
        assertThat(Arrays.copyOfRange(data.payload(), 8, data.payload().length))
            .isEqualTo(Arrays.copyOfRange(content, i * 4096, i * 4096 + 4096 + i));
      }
    }
  }

  @Test
  void aClientThatStallsInTheHandshakeIsDisconnected() throws IOException {
    try (NbdServer impatient =
            NbdServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                Map.of("ro", readOnly),
                Duration.ofSeconds(1));
        RawClient stalled = RawClient.connect(impatient.address());
        RawClient prompt = RawClient.transmission(impatient.address(), "ro", false, false)) {
      stalled.greet(FLAG_C_FIXED_NEWSTYLE); // and then nothing
      assertThat(stalled.closedByServer()).isTrue();
      assertRead(prompt, 0, 512); // the timeout ends with the handshake
    }
  }

  @Test
  void closingTheServerDisconnectsClients() throws IOException {
    try (RawClient client = RawClient.transmission(server.address(), "ro", false, false)) {
      server.close();
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void clientsBeyondTheLimitAreTurnedAwayAndTheRestServed() throws Exception {
    RawClient[] idle = new RawClient[NbdServer.MAX_CONNECTIONS];
    try {
      for (int i = 0; i < idle.length; i++) {
        idle[i] = client();
        idle[i].greet(FLAG_C_FIXED_NEWSTYLE);
      }
      try (RawClient refused = client()) {
        assertThat(refused.closedByServer()).isTrue();
      }
      idle[0].close();
      idle[0] = null;
      RawClient served = null;
      for (int attempt = 0; served == null && attempt < 300; attempt++) {
        RawClient candidate = client();
        if (candidate.closedByServer()) {
          candidate.close();
          Thread.sleep(100); // the server frees the slot once it notices the close
        } else {
          served = candidate;
        }
      }
      assertThat(served).isNotNull();
      served.close();
    } finally {
      for (RawClient client : idle) {
        if (client != null) {
          client.close();
        }
      }
    }
  }

  private RawClient client() throws IOException {
    return RawClient.connect(server.address());
  }

  private void assertRead(RawClient client, int offset, int length) throws IOException {
    client.request(0, CMD_READ, 77, offset, length);
    assertThat(client.simpleReply()).isEqualTo(new SimpleReply(0, 77));
    assertThat(client.bytes(length))
        .isEqualTo(Arrays.copyOfRange(content, offset, offset + length));
  }

  private static void expectError(
      RawClient client, int flags, int type, long offset, long length, int errno)
      throws IOException {
    client.request(flags, type, 4242, offset, length);
    assertThat(client.simpleReply()).isEqualTo(new SimpleReply(errno, 4242));
  }

  private static void expectStructuredError(
      RawClient client, int flags, int type, long offset, long length, int errno)
      throws IOException {
    client.request(flags, type, 4343, offset, length);
    Chunk chunk = client.chunk();
    assertThat(chunk.done()).isTrue();
    assertThat(chunk.cookie()).isEqualTo(4343);
    assertThat(chunk.type()).isEqualTo(REPLY_TYPE_ERROR);
    assertThat(chunk.buffer().getInt()).isEqualTo(errno);
  }

  private static List<Extent> descriptors(Chunk chunk, long offset) {
    assertThat(chunk.type()).isEqualTo(REPLY_TYPE_BLOCK_STATUS);
    ByteBuffer payload = chunk.buffer();
    payload.getInt(); // the context id
    List<Extent> extents = new java.util.ArrayList<>();
    long position = offset;
    while (payload.hasRemaining()) {
      long length = Integer.toUnsignedLong(payload.getInt());
      extents.add(new Extent(position, length, payload.getInt()));
      position += length;
    }
    return extents;
  }

  private static String contextName(OptionReply reply) {
    return new String(reply.data(), 4, reply.data().length - 4, StandardCharsets.UTF_8);
  }
}
