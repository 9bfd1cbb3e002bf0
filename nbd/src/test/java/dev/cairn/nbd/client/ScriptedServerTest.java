package dev.cairn.nbd.client;

import static dev.cairn.nbd.protocol.NbdProtocol.BASE_ALLOCATION;
import static dev.cairn.nbd.protocol.NbdProtocol.CLISERV_MAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.EIO;
import static dev.cairn.nbd.protocol.NbdProtocol.NBDMAGIC;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_GO;
import static dev.cairn.nbd.protocol.NbdProtocol.OPT_STRUCTURED_REPLY;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_FLAG_DONE;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_ERROR;
import static dev.cairn.nbd.protocol.NbdProtocol.REPLY_TYPE_OFFSET_DATA;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ACK;
import static dev.cairn.nbd.protocol.NbdProtocol.REP_ERR_UNSUP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.protocol.ChunkHeader;
import dev.cairn.nbd.protocol.OptionReplyHeader;
import dev.cairn.nbd.testing.ScriptedServer;
import dev.cairn.nbd.testing.ServerStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replies no real server sends: each malformed one must end the call with an {@link NbdException}
 * (never another exception, a hang or a huge allocation), close the connection, and make later
 * calls fail at once.
 */
@Timeout(60)
class ScriptedServerTest {
  private static final int SIZE = 64 * 1024;
  private static final NbdClientOptions OPTIONS =
      NbdClientOptions.defaults()
          .withConnectTimeout(Duration.ofSeconds(10))
          .withIoTimeout(Duration.ofSeconds(10));

  private ScriptedServer server;
  private NbdClient client;
  private final byte[] data = new byte[SIZE];

  @BeforeEach
  void start() throws IOException {
    server = new ScriptedServer();
    new SplittableRandom(1).nextBytes(data);
  }

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private NbdClient connect(ServerStream stream, NbdClientOptions options) throws IOException {
    server.play(stream);
    client = NbdClient.connect(server.url("fake"), options);
    return client;
  }

  private NbdClient connect(ServerStream stream) throws IOException {
    return connect(stream, OPTIONS);
  }

  private static ServerStream handshake() {
    return new ServerStream().handshake(SIZE, false);
  }

  private byte[] slice(int from, int to) {
    return Arrays.copyOfRange(data, from, to);
  }

  /** The call fails as a protocol violation naming {@code reason}, and so do later calls. */
  private void assertViolation(ThrowingCallable call, String reason) {
    assertThatThrownBy(call)
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("nbd://127.0.0.1:")
        .hasMessageContaining("the server broke the protocol")
        .hasMessageContaining(reason)
        .hasMessageEndingWith("connection closed");
    assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(512)))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("the connection is closed (the server broke the protocol");
  }

  private void assertConnectFails(ServerStream stream, String reason) {
    server.play(stream);
    assertThatThrownBy(() -> NbdClient.connect(server.url("fake"), OPTIONS))
        .isInstanceOf(NbdException.class)
        .hasMessageStartingWith("Cannot connect to nbd://127.0.0.1:")
        .hasMessageContaining(reason);
  }

  @Test
  void aPeerThatIsNotAnNbdServerIsRefused() {
    assertConnectFails(
        new ServerStream().raw("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes()),
        "does not greet as an NBD server");
  }

  @Test
  void anOldstyleServerIsRefused() {
    assertConnectFails(
        new ServerStream().raw(ByteBuffer.allocate(16).putLong(NBDMAGIC).putLong(CLISERV_MAGIC)),
        "oldstyle handshake, which is not supported");
  }

  @Test
  void anOversizedOptionReplyIsRefusedBeforeAllocating() {
    ByteBuffer header = ByteBuffer.allocate(OptionReplyHeader.SIZE);
    new OptionReplyHeader(OPT_STRUCTURED_REPLY, REP_ACK, 0x7fff_ffff).writeTo(header);
    assertConnectFails(
        new ServerStream().greeting().raw(header), "claims 2147483647 bytes (limit 65536)");
  }

  @Test
  void aGoWithoutExportInformationIsRefused() {
    assertConnectFails(
        new ServerStream().greeting().ack(OPT_STRUCTURED_REPLY).ack(OPT_GO),
        "without sending NBD_INFO_EXPORT");
  }

  @Test
  void chunksInAnyOrderAndHolesAreAssembled() throws IOException {
    connect(
        handshake()
            .offsetData(1, 32768, slice(32768, 49152), false)
            .offsetHole(1, 0, 16384, false)
            .offsetData(1, 49152, slice(49152, SIZE), false)
            .offsetData(1, 16384, slice(16384, 32768), false)
            .none(1));
    byte[] expected = data.clone();
    Arrays.fill(expected, 0, 16384, (byte) 0);
    byte[] read = new byte[SIZE];
    Arrays.fill(read, (byte) 0x77);

    client.read(0, read, 0, SIZE);

    assertThat(read).isEqualTo(expected);
  }

  @Test
  void anErrorChunkFailsOnlyThatRead() throws IOException {
    connect(
        handshake()
            .offsetData(1, 0, slice(0, 4096), false)
            .error(1, EIO, "disk on fire\nreally", true)
            .offsetData(2, 0, slice(0, 4096), true));

    assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(SIZE)))
        .isInstanceOfSatisfying(NbdException.class, e -> assertThat(e.errno()).isEqualTo(EIO))
        .hasMessage(
            "Cannot read 65536 bytes at offset 0 from %s: the server failed NBD_CMD_READ with EIO"
                    .formatted(server.url("fake"))
                + " (input/output error): disk on fire?really");
    byte[] read = new byte[4096];
    client.read(0, read, 0, read.length);
    assertThat(read).isEqualTo(slice(0, 4096));
  }

  @Test
  void aReplyForAnUnknownCookieBreaksTheConnection() throws IOException {
    connect(handshake().offsetData(9, 0, slice(0, 4096), true));
    assertViolation(
        () -> client.read(0, ByteBuffer.allocate(4096)), "cookie 9, which matches no request");
  }

  @Test
  void dataOutsideTheRequestedRangeIsRefused() throws IOException {
    connect(handshake().offsetData(1, 4096, slice(0, 1), true));
    assertViolation(() -> client.read(0, ByteBuffer.allocate(4096)), "outside the requested");
  }

  @Test
  void anOversizedDataChunkIsRefusedBeforeReadingIt() throws IOException {
    ByteBuffer header = ByteBuffer.allocate(ChunkHeader.SIZE + 8);
    new ChunkHeader(REPLY_FLAG_DONE, REPLY_TYPE_OFFSET_DATA, 1, 0xffff_ffff).writeTo(header);
    connect(handshake().raw(header.putLong(0)));
    assertViolation(() -> client.read(0, ByteBuffer.allocate(4096)), "outside the requested");
  }

  @Test
  void overlappingChunksAreRefused() throws IOException {
    connect(
        handshake()
            .offsetData(1, 0, slice(0, 2048), false)
            .offsetData(1, 1024, slice(1024, 4096), true));
    assertViolation(() -> client.read(0, ByteBuffer.allocate(4096)), "overlaps data already sent");
  }

  @Test
  void aReplyEndingBeforeAllDataArrivedIsRefused() throws IOException {
    connect(handshake().offsetData(1, 0, slice(0, 2048), false).none(1));
    assertViolation(() -> client.read(0, ByteBuffer.allocate(4096)), "after only 2048 bytes");
  }

  @Test
  void aSimpleReplyToAReadAfterStructuredRepliesIsRefused() throws IOException {
    connect(handshake().simpleReply(1, 0, slice(0, 4096)));
    assertViolation(
        () -> client.read(0, ByteBuffer.allocate(4096)), "simple reply to NBD_CMD_READ");
  }

  @Test
  void anUnknownReplyMagicIsRefused() throws IOException {
    connect(handshake().raw(new byte[64]));
    assertViolation(() -> client.flush(), "magic 0x00000000");
  }

  @Test
  void anErrorMessageLongerThanItsChunkIsRefused() throws IOException {
    byte[] payload = ByteBuffer.allocate(8).putInt(EIO).putShort((short) 1000).array();
    connect(handshake().chunk(REPLY_FLAG_DONE, REPLY_TYPE_ERROR, 1, payload));
    assertViolation(() -> client.flush(), "with a 1000-byte message");
  }

  @Test
  void aServerClosingMidReplyFailsTheRead() throws IOException {
    ByteBuffer header = ByteBuffer.allocate(ChunkHeader.SIZE + 8);
    new ChunkHeader(REPLY_FLAG_DONE, REPLY_TYPE_OFFSET_DATA, 1, 8 + SIZE).writeTo(header);
    connect(handshake().raw(header.putLong(0)).raw(slice(0, 1000)));
    assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(SIZE)))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("the server closed the connection; connection closed");
  }

  @Test
  void aSilentServerTimesOut() throws IOException {
    server.play(handshake().toByteArray(), true);
    client = NbdClient.connect(server.url("fake"), OPTIONS.withIoTimeout(Duration.ofMillis(300)));
    assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(4096)))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("timed out after 300 ms waiting for the server; connection closed");
  }

  @Test
  void aSilentServerDuringTheHandshakeTimesOut() {
    server.play(new ServerStream().greeting().toByteArray(), true);
    assertThatThrownBy(
            () ->
                NbdClient.connect(
                    server.url("fake"), OPTIONS.withConnectTimeout(Duration.ofMillis(300))))
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("timed out after 300 ms waiting for the server");
  }

  @Test
  void simpleRepliesWorkWhenTheServerHasNoStructuredReplies() throws IOException {
    connect(
        new ServerStream()
            .greeting()
            .optionReply(OPT_STRUCTURED_REPLY, REP_ERR_UNSUP, new byte[0])
            .go(SIZE, 1)
            .simpleReply(1, 0, slice(0, 4096))
            .simpleReply(2, EIO, new byte[0]));
    byte[] read = new byte[4096];
    client.read(0, read, 0, read.length);
    assertThat(read).isEqualTo(slice(0, 4096));
    assertThatThrownBy(() -> client.read(0, ByteBuffer.allocate(4096)))
        .isInstanceOfSatisfying(NbdException.class, e -> assertThat(e.errno()).isEqualTo(EIO));
  }

  @Test
  void serversWithoutGoAreReachedWithExportName() throws IOException {
    connect(
        new ServerStream()
            .greeting()
            .ack(OPT_STRUCTURED_REPLY)
            .optionReply(OPT_GO, REP_ERR_UNSUP, new byte[0])
            .raw(ByteBuffer.allocate(10).putLong(123 * 512).putShort((short) 3)));
    assertThat(client.size()).isEqualTo(123 * 512);
    assertThat(client.readOnly()).isTrue();
  }

  @Test
  void blockStatusIsClippedToTheRange() throws IOException {
    connect(
        new ServerStream().handshake(SIZE, true).blockStatus(1, 1, true, 16384, 0, 1 << 20, 3),
        OPTIONS.withMetaContexts(List.of(BASE_ALLOCATION)));
    assertThat(client.blockStatus(BASE_ALLOCATION, 0, SIZE))
        .containsExactly(new Extent(0, 16384, 0), new Extent(16384, SIZE - 16384, 3));
  }

  @Test
  void blockStatusForAnUnknownContextIsRefused() throws IOException {
    connect(
        new ServerStream().handshake(SIZE, true).blockStatus(1, 7, true, 4096, 0),
        OPTIONS.withMetaContexts(List.of(BASE_ALLOCATION)));
    assertViolation(
        () -> client.blockStatus(BASE_ALLOCATION, 0, SIZE), "unknown meta context id 7");
  }

  @Test
  void anEmptyExtentIsRefused() throws IOException {
    connect(
        new ServerStream().handshake(SIZE, true).blockStatus(1, 1, true, 0, 0),
        OPTIONS.withMetaContexts(List.of(BASE_ALLOCATION)));
    assertViolation(() -> client.blockStatus(BASE_ALLOCATION, 0, SIZE), "extent of length 0");
  }

  @Test
  void anAbsentServerFailsTheConnectNamingIt() throws IOException {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort(); // free again once closed: nothing listens there
    }
    NbdUrl tcp = NbdUrl.tcp(InetAddress.getLoopbackAddress().getHostAddress(), port, "gone");
    assertThatThrownBy(() -> NbdClient.connect(tcp, OPTIONS))
        .isInstanceOf(NbdException.class)
        .hasMessageStartingWith("Cannot connect to " + tcp + ": cannot reach the server");
    NbdUrl unix = NbdUrl.unix(Path.of("/nonexistent/nbd.sock"), "disk");
    assertThatThrownBy(() -> NbdClient.connect(unix, OPTIONS))
        .isInstanceOf(NbdException.class)
        .hasMessageStartingWith(
            "Cannot connect to nbd+unix:///disk?socket=/nonexistent/nbd.sock: cannot reach the"
                + " server");
  }

  @Test
  void interruptingAVirtualThreadCallerClosesTheConnection() throws Exception {
    server.play(handshake().toByteArray(), true);
    client = NbdClient.connect(server.url("fake"), OPTIONS);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    client.read(0, ByteBuffer.allocate(4096));
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });
    reader.interrupt();
    reader.join();

    assertThat(failure.get())
        .isInstanceOf(NbdException.class)
        .hasMessageContaining("the thread was interrupted; connection closed");
  }
}
