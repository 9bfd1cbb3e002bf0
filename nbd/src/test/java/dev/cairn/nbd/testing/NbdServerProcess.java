package dev.cairn.nbd.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.nbd.NbdUrl;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real NBD server process (qemu-nbd or nbdkit) listening on a Unix socket in a test's temporary
 * directory. {@link #start} returns once the socket accepts connections; {@link #close} kills the
 * process and waits for it. Its output goes to a log file that failures quote.
 */
public final class NbdServerProcess implements AutoCloseable {
  private static final long START_LIMIT_MILLIS = 30_000;

  private final Process process;
  private final Path socket;
  private final Path log;

  private NbdServerProcess(Process process, Path socket, Path log) {
    this.process = process;
    this.socket = socket;
    this.log = log;
  }

  /**
   * Serves {@code image} with qemu-nbd as export {@code export}: persistent ({@code -t}), up to 8
   * clients at once, plus {@code extraArguments} (e.g. {@code -r}, {@code -f qcow2}, {@code -B}).
   */
  public static NbdServerProcess qemuNbd(
      Path directory, String export, Path image, String... extraArguments) throws IOException {
    ExternalTool.require("qemu-nbd");
    Path socket = directory.resolve("qemu-nbd-" + System.nanoTime() + ".sock");
    List<String> command = new ArrayList<>(List.of("qemu-nbd", "-t", "--shared=8", "-x", export));
    command.addAll(List.of("-k", socket.toString()));
    command.addAll(List.of(extraArguments));
    command.add(image.toString());
    return start(command, socket, directory);
  }

  /**
   * Runs nbdkit in the foreground with {@code arguments} (plugin, filters, parameters); it exits
   * with this JVM even if a test forgets to close it.
   */
  public static NbdServerProcess nbdkit(Path directory, String... arguments) throws IOException {
    ExternalTool.require("nbdkit");
    Path socket = directory.resolve("nbdkit-" + System.nanoTime() + ".sock");
    List<String> command = new ArrayList<>(List.of("nbdkit", "-f", "--exit-with-parent"));
    command.addAll(List.of("-U", socket.toString()));
    command.addAll(List.of(arguments));
    return start(command, socket, directory);
  }

  /** Starts {@code command} and waits until {@code socket} accepts a connection. */
  public static NbdServerProcess start(List<String> command, Path socket, Path directory)
      throws IOException {
    Path log = directory.resolve(socket.getFileName() + ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    NbdServerProcess server = new NbdServerProcess(process, socket, log);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_LIMIT_MILLIS);
    while (!server.accepts()) {
      if (!process.isAlive()) {
        fail(
            "Cannot start "
                + command
                + ": it exited with "
                + process.exitValue()
                + "\n"
                + server.log());
      }
      if (System.nanoTime() > deadline) {
        server.close();
        fail("Cannot start " + command + ": no connection within " + START_LIMIT_MILLIS + " ms");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.close();
        throw new IOException("interrupted while starting " + command, e);
      }
    }
    return server;
  }

  private boolean accepts() {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public Path socket() {
    return socket;
  }

  /** An {@code nbd+unix} URL for {@code export} on this server. */
  public NbdUrl url(String export) {
    return NbdUrl.unix(socket, export);
  }

  /** The server's output so far, for failure messages. */
  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
