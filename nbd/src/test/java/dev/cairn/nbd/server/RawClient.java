package dev.cairn.nbd.server;

import static dev.cairn.nbd.protocol.NbdProtocol.*;
import static dev.cairn.nbd.server.ServerWire.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-written NBD client that sends exactly the bytes a test asks for, valid or not, and reads
 * the server's answers field by field. Single-threaded; a read waits at most {@link #TIMEOUT_MS} (a
 * safety net: a server that stops answering fails the test instead of hanging it).
 */
final class RawClient implements Closeable {
  static final int TIMEOUT_MS = 30_000;

  record OptionReply(int option, int type, byte[] data) {
    boolean isError() {
      return type < 0;
    }
  }

  record SimpleReply(int error, long cookie) {}

  record Chunk(int flags, int type, long cookie, byte[] payload) {
    boolean done() {
      return (flags & REPLY_FLAG_DONE) != 0;
    }

    ByteBuffer buffer() {
      return ByteBuffer.wrap(payload);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private int handshakeFlags;
  private int transmissionFlags;
  private long exportSize;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(TIMEOUT_MS);
    socket.setTcpNoDelay(true);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
  }

  static RawClient connect(InetSocketAddress address) throws IOException {
    return new RawClient(new Socket(address.getAddress(), address.getPort()));
  }

  /** Connects, negotiates (structured replies and base:allocation if asked) and sends GO. */
  static RawClient transmission(
      InetSocketAddress address, String export, boolean structured, boolean allocation)
      throws IOException {
    RawClient client = connect(address);
    client.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
    if (structured) {
      client.option(OPT_STRUCTURED_REPLY, new byte[0]);
      assertThat(client.finalReply().type()).isEqualTo(REP_ACK);
    }
    if (allocation) {
      client.option(OPT_SET_META_CONTEXT, metaContextData(export, BASE_ALLOCATION));
      assertThat(client.replies()).last().extracting(OptionReply::type).isEqualTo(REP_ACK);
    }
    client.go(export);
    return client;
  }

  /** Reads the greeting, checks its magics and answers with {@code clientFlags}. */
  void greet(int clientFlags) throws IOException {
    assertThat(in.readLong()).isEqualTo(NBDMAGIC);
    assertThat(in.readLong()).isEqualTo(IHAVEOPT);
    handshakeFlags = in.readUnsignedShort();
    out.writeInt(clientFlags);
    out.flush();
  }

  int handshakeFlags() {
    return handshakeFlags;
  }

  int transmissionFlags() {
    return transmissionFlags;
  }

  long exportSize() {
    return exportSize;
  }

  /** NBD_OPT_GO with no information requests; fails unless the server accepts. */
  void go(String export) throws IOException {
    option(OPT_GO, infoData(export));
    for (OptionReply reply : replies()) {
      if (reply.type() == REP_INFO && ByteBuffer.wrap(reply.data()).getShort() == INFO_EXPORT) {
        ByteBuffer info = ByteBuffer.wrap(reply.data());
        info.getShort();
        exportSize = info.getLong();
        transmissionFlags = Short.toUnsignedInt(info.getShort());
      }
      if (reply.isError()) {
        throw new AssertionError("NBD_OPT_GO was refused: " + Integer.toHexString(reply.type()));
      }
    }
  }

  void option(int option, byte[] data) throws IOException {
    out.writeLong(IHAVEOPT);
    out.writeInt(option);
    out.writeInt(data.length);
    out.write(data);
    out.flush();
  }

  OptionReply optionReply() throws IOException {
    assertThat(in.readLong()).isEqualTo(OPTION_REPLY_MAGIC);
    int option = in.readInt();
    int type = in.readInt();
    int length = in.readInt();
    assertThat(length).isBetween(0, 1 << 20);
    byte[] data = new byte[length];
    in.readFully(data);
    return new OptionReply(option, type, data);
  }

  /** Replies up to and including the final one (an ACK or an error). */
  List<OptionReply> replies() throws IOException {
    List<OptionReply> replies = new ArrayList<>();
    while (true) {
      OptionReply reply = optionReply();
      replies.add(reply);
      if (reply.type() == REP_ACK || reply.isError()) {
        return replies;
      }
    }
  }

  OptionReply finalReply() throws IOException {
    return replies().getLast();
  }

  void request(int flags, int type, long cookie, long offset, long length) throws IOException {
    request(flags, type, cookie, offset, length, new byte[0]);
  }

  void request(int flags, int type, long cookie, long offset, long length, byte[] payload)
      throws IOException {
    out.writeInt(REQUEST_MAGIC);
    out.writeShort(flags);
    out.writeShort(type);
    out.writeLong(cookie);
    out.writeLong(offset);
    out.writeInt((int) length);
    out.write(payload);
    out.flush();
  }

  /** Raw bytes, for magic and framing tests. */
  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  SimpleReply simpleReply() throws IOException {
    assertThat(in.readInt()).isEqualTo(SIMPLE_REPLY_MAGIC);
    return new SimpleReply(in.readInt(), in.readLong());
  }

  byte[] bytes(int length) throws IOException {
    byte[] data = new byte[length];
    in.readFully(data);
    return data;
  }

  long readLong() throws IOException {
    return in.readLong();
  }

  Chunk chunk() throws IOException {
    assertThat(in.readInt()).isEqualTo(STRUCTURED_REPLY_MAGIC);
    int flags = in.readUnsignedShort();
    int type = in.readUnsignedShort();
    long cookie = in.readLong();
    int length = in.readInt();
    assertThat(length).isBetween(0, MAX_PAYLOAD + 8);
    return new Chunk(flags, type, cookie, bytes(length));
  }

  /** The chunks of one reply, up to the one marked done. */
  List<Chunk> structuredReply() throws IOException {
    List<Chunk> chunks = new ArrayList<>();
    Chunk chunk;
    do {
      chunk = chunk();
      chunks.add(chunk);
    } while (!chunk.done());
    return chunks;
  }

  /** Whether the server closed the connection (rather than sending anything more). */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    }
  }

  InputStream input() {
    return in;
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The data of NBD_OPT_INFO and NBD_OPT_GO: the name and the information requests. */
  static byte[] infoData(String export, int... requests) {
    byte[] name = export.getBytes(StandardCharsets.UTF_8);
    ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2 * requests.length);
    data.putInt(name.length).put(name).putShort((short) requests.length);
    for (int request : requests) {
      data.putShort((short) request);
    }
    return data.array();
  }

  /** The data of NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT. */
  static byte[] metaContextData(String export, String... queries) {
    byte[] name = export.getBytes(StandardCharsets.UTF_8);
    int length = 4 + name.length + 4;
    for (String query : queries) {
      length += 4 + query.getBytes(StandardCharsets.UTF_8).length;
    }
    ByteBuffer data = ByteBuffer.allocate(length);
    data.putInt(name.length).put(name).putInt(queries.length);
    for (String query : queries) {
      byte[] bytes = query.getBytes(StandardCharsets.UTF_8);
      data.putInt(bytes.length).put(bytes);
    }
    return data.array();
  }

  /** Reads everything until the server closes; fails if it does not within the timeout. */
  static long drain(InputStream stream) throws IOException {
    long total = 0;
    byte[] buffer = new byte[64 << 10];
    try {
      int read;
      while ((read = stream.read(buffer)) >= 0) {
        total += read;
      }
    } catch (EOFException e) {
      // Closed.
    } catch (SocketTimeoutException e) {
      throw new AssertionError("The server neither answered nor closed within the timeout", e);
    } catch (IOException e) {
      // Reset by the server: closed as well.
    }
    return total;
  }
}
