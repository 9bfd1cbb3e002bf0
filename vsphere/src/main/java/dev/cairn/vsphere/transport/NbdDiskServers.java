package dev.cairn.vsphere.transport;

import dev.cairn.nbd.NbdUrl;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The NBD servers of one backup, one per disk, each started from the customer's {@link NbdCommand}
 * in a private directory (mode 0700) that holds their Unix sockets, their output, and the vCenter
 * password file (mode 0600, written only when the command names {@code {passwordFile}}).
 *
 * <p>{@link #close()} stops every server (SIGTERM to it and its descendants, SIGKILL after a grace
 * period) and deletes the directory with the password file. It is idempotent and thread-safe, so a
 * shutdown hook may call it while the backup's thread is still running; callers close the NBD
 * connections first and remove the snapshot after, since a server holding the snapshot's disk open
 * keeps vSphere from consolidating it.
 *
 * <p>The servers are started from one platform thread that lives until {@link #close()}: on Linux
 * {@code nbdkit --exit-with-parent} exits when the thread that started it ends, and the carrier of
 * a virtual thread may end at any time.
 */
public final class NbdDiskServers implements AutoCloseable {
  /** The longest Unix socket path Linux takes (108 bytes of {@code sun_path} with the NUL). */
  static final int MAX_SOCKET_PATH_BYTES = 107;

  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration POLL = Duration.ofMillis(50);
  private static final int OUTPUT_TAIL_BYTES = 800;

  private final NbdCommand command;
  private final Path directory;
  private final Map<String, String> values;
  private final Duration startTimeout;
  private final Consumer<String> warnings;
  private final ExecutorService launcher;
  private final List<Process> running = new ArrayList<>();
  private boolean closed;

  /**
   * One started server.
   *
   * @param disk the disk it serves, for messages
   * @param program the command's program ({@code nbdkit}), for messages
   * @param url where it listens
   * @param output the file its standard output and error go to (gone after {@link #close()})
   */
  public record Server(String disk, String program, NbdUrl url, Path output) {
    /** The end of what the server printed, on one line; "it printed nothing" when empty. */
    public String outputTail() {
      return tail(output);
    }
  }

  private NbdDiskServers(
      NbdCommand command,
      Path directory,
      Map<String, String> values,
      Duration startTimeout,
      Consumer<String> warnings) {
    this.command = command;
    this.directory = directory;
    this.values = Map.copyOf(values);
    this.startTimeout = startTimeout;
    this.warnings = warnings;
    this.launcher =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("cairn-nbd-servers").daemon().factory());
  }

  /**
   * Makes the private directory in {@code workDirectory} and, when the command names {@code
   * {passwordFile}}, writes {@code password} into it.
   *
   * @param values the values of the placeholders every disk shares ({@code server}, {@code user},
   *     ...); {@code socket} and {@code passwordFile} are Cairn's
   * @param startTimeout how long a server may take to listen on its socket
   * @param warnings receives one line when something cannot be cleaned up
   * @throws CairnException ({@link ErrorCode#SOURCE_FAILED}) naming the directory and the cause
   */
  public static NbdDiskServers create(
      NbdCommand command,
      Path workDirectory,
      Map<String, String> values,
      String password,
      Duration startTimeout,
      Consumer<String> warnings)
      throws IOException {
    Path directory;
    try {
      directory =
          Files.createTempDirectory(
              workDirectory,
              "cairn-nbd-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (NoSuchFileException e) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED,
          "Cannot make a directory for the NBD servers in " + workDirectory + ": no such directory",
          e);
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED,
          "Cannot make a directory for the NBD servers in " + workDirectory + ": " + e.getMessage(),
          e);
    }
    Map<String, String> all = new HashMap<>(values);
    if (command.uses(NbdCommand.PASSWORD_FILE)) {
      Path file = directory.resolve("vcenter-password");
      try (SeekableByteChannel channel =
          Files.newByteChannel(
              file,
              EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        // No newline: nbdkit's password=+FILE takes the file's bytes.
        channel.write(ByteBuffer.wrap(password.getBytes(StandardCharsets.UTF_8)));
      } catch (IOException e) {
        deleteTree(directory, warnings);
        throw new CairnException(
            ErrorCode.SOURCE_FAILED,
            "Cannot write the password file for the NBD servers in "
                + directory
                + ": "
                + e.getMessage(),
            e);
      }
      all.put(NbdCommand.PASSWORD_FILE, file.toString());
    }
    return new NbdDiskServers(command, directory, all, startTimeout, warnings);
  }

  /** The private directory (for tests and messages). */
  public Path directory() {
    return directory;
  }

  /**
   * Starts the command for one disk and waits until its socket accepts connections.
   *
   * @param disk the disk's label, for messages
   * @param name a file-name-safe name for the disk's socket and output ({@code disk-2000})
   * @param diskValues the values of this disk's placeholders ({@code file}, {@code deviceKey}, ...)
   * @throws CairnException ({@link ErrorCode#SOURCE_FAILED}) naming the disk and the program, with
   *     the end of its output, when it cannot run, exits, or does not listen within the start
   *     timeout
   */
  public Server start(String disk, String name, Map<String, String> diskValues) throws IOException {
    Path socket = directory.resolve(name + ".sock");
    Path output = directory.resolve(name + ".log");
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
      throw new CairnException(
          ErrorCode.SOURCE_FAILED,
          "Cannot start the NBD server for disk "
              + disk
              + ": its socket path "
              + socket
              + " is longer than the "
              + MAX_SOCKET_PATH_BYTES
              + " bytes a Unix socket allows (choose a shorter work directory)");
    }
    Map<String, String> all = new HashMap<>(values);
    all.putAll(diskValues);
    all.put(NbdCommand.SOCKET, socket.toString());
    List<String> arguments = command.arguments(all);
    String program = arguments.getFirst();
    ProcessBuilder builder =
        new ProcessBuilder(arguments)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process = launch(builder, disk, program);
    Server server = new Server(disk, program, NbdUrl.unix(socket, ""), output);
    awaitListening(server, process, socket);
    return server;
  }

  private Process launch(ProcessBuilder builder, String disk, String program) throws IOException {
    Process process;
    synchronized (this) {
      if (closed) {
        throw new CairnException(
            ErrorCode.SOURCE_FAILED,
            "Cannot start the NBD server for disk " + disk + ": the backup is ending");
      }
      try {
        process = launcher.submit(builder::start).get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw new CairnException(
            ErrorCode.SOURCE_FAILED,
            "Cannot start the NBD server for disk "
                + disk
                + ": cannot run "
                + program
                + ": "
                + (cause.getMessage() == null ? cause.toString() : cause.getMessage()),
            cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Interrupted while starting " + program);
      }
      running.add(process);
    }
    return process;
  }

  private void awaitListening(Server server, Process process, Path socket) throws IOException {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new CairnException(
            ErrorCode.SOURCE_FAILED,
            "Cannot start the NBD server for disk "
                + server.disk()
                + ": "
                + server.program()
                + " exited with status "
                + process.exitValue()
                + (process.exitValue() == 0
                    ? " (a server must stay in the foreground: nbdkit needs -f or"
                        + " --exit-with-parent)"
                    : "")
                + "; "
                + server.outputTail());
      }
      if (Files.exists(socket) && accepts(socket)) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        stop(process);
        throw new CairnException(
            ErrorCode.SOURCE_FAILED,
            "Cannot start the NBD server for disk "
                + server.disk()
                + ": "
                + server.program()
                + " did not listen on "
                + socket
                + " within "
                + startTimeout.toSeconds()
                + " s; "
                + server.outputTail());
      }
      try {
        Thread.sleep(POLL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Interrupted while waiting for " + server.program());
      }
    }
  }

  /** Whether something listens on the socket: a connection is made and closed at once. */
  private static boolean accepts(Path socket) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops every server, then deletes the directory with the password file. Idempotent. */
  @Override
  public void close() {
    List<Process> toStop;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toStop = List.copyOf(running).reversed();
    }
    for (Process process : toStop) {
      stop(process);
    }
    launcher.shutdown();
    deleteTree(directory, warnings);
  }

  /** SIGTERM to the process and its descendants; SIGKILL to what still runs after the grace. */
  private static void stop(Process process) {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    all.add(process.toHandle());
    for (ProcessHandle handle : all) {
      handle.destroy();
    }
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (ProcessHandle handle : all) {
      long left = deadline - System.nanoTime();
      try {
        handle.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        handle.destroyForcibly();
      } catch (InterruptedException e) {
        handle.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path directory, Consumer<String> warnings) {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          warnings.accept("Cannot delete " + path + ": " + e.getMessage());
        }
      }
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      warnings.accept("Cannot delete " + directory + ": " + e.getMessage());
    }
  }

  private static String tail(Path output) {
    byte[] bytes;
    try (RandomAccessFile file = new RandomAccessFile(output.toFile(), "r")) {
      long length = file.length();
      int count = (int) Math.min(length, OUTPUT_TAIL_BYTES);
      bytes = new byte[count];
      file.seek(length - count);
      file.readFully(bytes);
    } catch (IOException e) {
      return "its output cannot be read: " + e.getMessage();
    }
    List<String> lines =
        new String(bytes, StandardCharsets.UTF_8)
            .lines()
            .map(String::strip)
            .filter(line -> !line.isEmpty())
            .toList();
    return lines.isEmpty() ? "it printed nothing" : "its output: " + String.join(" | ", lines);
  }
}
