package dev.cairn.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A connection to the QMP monitor of a {@code qemu-system-*} or {@code qemu-storage-daemon} on a
 * Unix socket, in command mode (greeting read, {@code qmp_capabilities} sent).
 *
 * <p>Each command carries a request id and waits for the answer with that id, at most the timeout
 * given to {@link #connect}. A virtual thread reads the socket; events that arrive meanwhile are
 * queued for {@link #awaitEvent} and {@link #drainEvents} (at most {@value #MAX_QUEUED_EVENTS}; the
 * oldest are dropped beyond that, counted by {@link #droppedEvents}).
 *
 * <p>Thread-safe: several threads may execute commands at once; QEMU answers them in order. QEMU
 * serves one QMP client per monitor socket at a time, so a second client (libvirt, another Cairn)
 * gets no greeting until the first one leaves: {@link #connect} then times out with a message
 * saying so.
 */
public final class QmpClient implements AutoCloseable {
  /** The answer timeout when none is given. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  static final int MAX_QUEUED_EVENTS = 1024;
  // query-named-block-nodes of a VM with many disks and long backing chains runs to a few MiB.
  private static final int MAX_MESSAGE_BYTES = 64 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path socket;
  private final SocketChannel channel;
  private final Duration timeout;
  private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
  private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock eventLock = new ReentrantLock();
  private final Condition eventArrived = eventLock.newCondition();
  private final ArrayDeque<QmpEvent> events = new ArrayDeque<>();
  private final AtomicLong droppedEvents = new AtomicLong();
  private volatile String closedReason;
  private final Thread reader;

  private QmpClient(Path socket, SocketChannel channel, Duration timeout) {
    this.socket = socket;
    this.channel = channel;
    this.timeout = timeout;
    this.reader = Thread.ofVirtual().name("qmp-reader " + socket).start(this::readMessages);
  }

  /** Connects with {@link #DEFAULT_TIMEOUT}. */
  public static QmpClient connect(Path socket) throws QmpException {
    return connect(socket, DEFAULT_TIMEOUT);
  }

  /**
   * Connects to the QMP socket, reads the greeting and enters command mode.
   *
   * @param timeout how long to wait for the greeting and, later, for each answer
   * @throws QmpException one line naming the socket: missing, refused, not QMP, or no greeting
   */
  public static QmpClient connect(Path socket, Duration timeout) throws QmpException {
    Path absolute = socket.toAbsolutePath();
    if (!Files.exists(absolute)) {
      throw new QmpException(
          "Cannot connect to QEMU at "
              + absolute
              + ": no such socket (is QEMU running with -qmp unix:"
              + absolute
              + ",server=on,wait=off?)");
    }
    SocketChannel channel;
    try {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(absolute));
    } catch (ConnectException e) {
      throw new QmpException(
          "Cannot connect to QEMU at " + absolute + ": connection refused (QEMU is not listening)",
          e);
    } catch (IOException | UnsupportedOperationException e) {
      // UnsupportedOperationException: a platform without Unix domain sockets.
      throw new QmpException("Cannot connect to QEMU at " + absolute + ": " + e.getMessage(), e);
    }
    QmpClient client = new QmpClient(absolute, channel, timeout);
    try {
      JsonNode hello = client.awaitGreeting();
      if (!hello.path("QMP").isObject()) {
        throw new QmpException(
            "Cannot connect to QEMU at " + absolute + ": the first message is not a QMP greeting");
      }
      client.execute("qmp_capabilities");
      return client;
    } catch (QmpException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  private JsonNode awaitGreeting() throws QmpException {
    try {
      return greeting.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new QmpException(
          "Cannot connect to QEMU at "
              + socket
              + ": no QMP greeting within "
              + timeout.toSeconds()
              + " s (is another client such as libvirt connected to this monitor?)");
    } catch (ExecutionException e) {
      throw new QmpException(
          "Cannot connect to QEMU at " + socket + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QmpException("Cannot connect to QEMU at " + socket + ": interrupted", e);
    }
  }

  /** The socket this client is connected to (absolute). */
  public Path socket() {
    return socket;
  }

  /** QEMU's version from the greeting, e.g. {@code 7.2.22}. */
  public String qemuVersion() {
    JsonNode version = greeting.getNow(JSON.createObjectNode()).path("QMP").path("version");
    JsonNode q = version.path("qemu");
    return q.path("major").asInt() + "." + q.path("minor").asInt() + "." + q.path("micro").asInt();
  }

  /** Executes a command without arguments; see {@link #execute(String, JsonNode)}. */
  public JsonNode execute(String command) throws QmpException {
    return execute(command, JSON.createObjectNode());
  }

  /**
   * Executes a command whose arguments are given as a map (values converted by Jackson: strings,
   * numbers, booleans, lists and nested maps).
   */
  public JsonNode execute(String command, Map<String, ?> arguments) throws QmpException {
    JsonNode tree = JSON.valueToTree(arguments);
    return execute(command, tree);
  }

  /**
   * Executes a command and returns QEMU's {@code return} member (an empty object for commands that
   * return nothing).
   *
   * @throws QmpCommandException when QEMU answers with an error
   * @throws QmpException when there is no answer within the timeout or the connection is lost
   */
  public JsonNode execute(String command, JsonNode arguments) throws QmpException {
    String id = "cairn-" + nextId.incrementAndGet();
    ObjectNode request = JSON.createObjectNode().put("execute", command);
    if (arguments != null && !arguments.isEmpty()) {
      request.set("arguments", arguments);
    }
    request.put("id", id);
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    try {
      if (closedReason != null) {
        throw failure(command, closedReason, null);
      }
      send(command, request);
      JsonNode reply = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      JsonNode error = reply.get("error");
      if (error != null) {
        throw new QmpCommandException(
            command,
            socket.toString(),
            error.path("class").asText("GenericError"),
            error.path("desc").asText("(no description)"));
      }
      return reply.path("return");
    } catch (TimeoutException e) {
      throw failure(
          command, "no answer to " + command + " within " + timeout.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      throw failure(command, e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(command, "interrupted during " + command, e);
    } finally {
      pending.remove(id);
    }
  }

  private QmpException failure(String command, String reason, Throwable cause) {
    return new QmpException(
        "Cannot " + command + " on QEMU at " + socket + ": " + reason, reason, cause);
  }

  private void send(String command, ObjectNode request) throws QmpException {
    byte[] bytes;
    try {
      bytes = (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw failure(command, "cannot encode the arguments: " + e.getMessage(), e);
    }
    writeLock.lock();
    try {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      markClosed("connection lost: " + e.getMessage());
      throw failure(command, "connection lost: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Removes and returns the first queued or arriving event that matches, waiting at most {@code
   * wait}. Events that do not match stay queued.
   *
   * @return empty when none matched in time or the connection closed
   */
  public Optional<QmpEvent> awaitEvent(Predicate<QmpEvent> matching, Duration wait)
      throws QmpException {
    long deadline = System.nanoTime() + wait.toNanos();
    eventLock.lock();
    try {
      while (true) {
        for (Iterator<QmpEvent> it = events.iterator(); it.hasNext(); ) {
          QmpEvent event = it.next();
          if (matching.test(event)) {
            it.remove();
            return Optional.of(event);
          }
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || closedReason != null) {
          return Optional.empty();
        }
        eventArrived.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QmpException(
          "Cannot wait for an event from QEMU at " + socket + ": interrupted", e);
    } finally {
      eventLock.unlock();
    }
  }

  /** Removes and returns every queued event, oldest first. */
  public List<QmpEvent> drainEvents() {
    eventLock.lock();
    try {
      List<QmpEvent> drained = new ArrayList<>(events);
      events.clear();
      return drained;
    } finally {
      eventLock.unlock();
    }
  }

  /** How many events were dropped because the queue was full. */
  public long droppedEvents() {
    return droppedEvents.get();
  }

  /** Whether the connection is still usable. */
  public boolean isOpen() {
    return closedReason == null;
  }

  /** Closes the connection; pending commands fail. Idempotent. */
  @Override
  public void close() {
    markClosed("the client closed the connection");
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing is left to release: the descriptor is gone either way.
    }
    try {
      reader.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readMessages() {
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      while (channel.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          byte b = buffer.get();
          if (b == '\n') {
            dispatch(line.toByteArray());
            line.reset();
          } else if (line.size() >= MAX_MESSAGE_BYTES) {
            throw new IOException("a message is longer than " + MAX_MESSAGE_BYTES + " bytes");
          } else {
            line.write(b);
          }
        }
        buffer.clear();
      }
      markClosed("connection closed by QEMU");
    } catch (IOException e) {
      markClosed(closedReason != null ? closedReason : "connection lost: " + e.getMessage());
    }
  }

  private void dispatch(byte[] bytes) throws IOException {
    if (bytes.length == 0 || (bytes.length == 1 && bytes[0] == '\r')) {
      return;
    }
    JsonNode message;
    try {
      message = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IOException("QEMU sent a message that is not JSON", e);
    }
    if (message.has("QMP")) {
      greeting.complete(message);
    } else if (message.has("event")) {
      queue(message);
    } else if (message.has("id")) {
      CompletableFuture<JsonNode> answer = pending.get(message.get("id").asText());
      if (answer != null) {
        answer.complete(message);
      }
      // An answer nobody waits for belongs to a command that timed out: dropped.
    }
    // An error without id answers a request QEMU could not parse; Cairn sends none.
  }

  private void queue(JsonNode message) {
    JsonNode stamp = message.path("timestamp");
    QmpEvent event =
        new QmpEvent(
            message.get("event").asText(),
            message.has("data") ? message.get("data") : JSON.createObjectNode(),
            Instant.ofEpochSecond(
                stamp.path("seconds").asLong(), stamp.path("microseconds").asLong() * 1000));
    eventLock.lock();
    try {
      if (events.size() >= MAX_QUEUED_EVENTS) {
        events.removeFirst();
        droppedEvents.incrementAndGet();
      }
      events.addLast(event);
      eventArrived.signalAll();
    } finally {
      eventLock.unlock();
    }
  }

  private void markClosed(String reason) {
    if (closedReason == null) {
      closedReason = reason;
    }
    QmpException failure = new QmpException(closedReason);
    greeting.completeExceptionally(failure);
    pending.values().forEach(answer -> answer.completeExceptionally(failure));
    eventLock.lock();
    try {
      eventArrived.signalAll();
    } finally {
      eventLock.unlock();
    }
  }
}
