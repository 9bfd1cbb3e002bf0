package dev.cairn.qemu.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code qemu-storage-daemon} with a QMP socket in a test's directory, serving image files
 * as named nodes; optionally with an NBD server and writable exports through which a test writes,
 * as a guest would. Restartable, killable with SIGKILL.
 */
public final class StorageDaemon implements AutoCloseable {
  /** An image served as node {@code node} ({@code node-file} is its protocol node). */
  public record Disk(String node, Path image, String format) {}

  private final Path dir;
  private final List<Disk> disks;
  private final List<String> extraArguments;
  private Process process;

  private StorageDaemon(Path dir, List<Disk> disks, List<String> extraArguments) {
    this.dir = dir;
    this.disks = List.copyOf(disks);
    this.extraArguments = List.copyOf(extraArguments);
  }

  /** Starts a daemon without NBD server. */
  public static StorageDaemon start(Path dir, Disk... disks) throws Exception {
    return start(dir, List.of(disks), List.of());
  }

  /** Starts a daemon with extra command-line arguments (see {@link #withNbdServer}). */
  public static StorageDaemon start(Path dir, List<Disk> disks, List<String> extraArguments)
      throws Exception {
    StorageDaemon daemon = new StorageDaemon(dir, disks, extraArguments);
    daemon.launch();
    return daemon;
  }

  /** Arguments for an NBD server on {@link #nbdSocket} with a writable export {@code w-NODE}. */
  public static List<String> withNbdServer(Path dir, String... writableNodes) {
    List<String> arguments = new ArrayList<>();
    arguments.add("--nbd-server");
    arguments.add("addr.type=unix,addr.path=" + dir.resolve("nbd.sock"));
    for (String node : writableNodes) {
      arguments.add("--export");
      arguments.add(
          "type=nbd,id=w-" + node + ",node-name=" + node + ",name=w-" + node + ",writable=on");
    }
    return arguments;
  }

  /** Creates a qcow2 (or raw) image of {@code size} bytes. */
  public static Path createImage(Path dir, String name, String format, long size) throws Exception {
    Path image = dir.resolve(name);
    Processes.run("qemu-img", "create", "-q", "-f", format, image.toString(), Long.toString(size));
    return image;
  }

  public Path qmpSocket() {
    return dir.resolve("qmp.sock");
  }

  /** A second QMP monitor, for the test while a session holds the first. */
  public Path testSocket() {
    return dir.resolve("test.sock");
  }

  public Path nbdSocket() {
    return dir.resolve("nbd.sock");
  }

  public String nbdServerUrl() {
    return "nbd+unix:///?socket=" + nbdSocket();
  }

  /** The URL of the writable export of {@code node} (see {@link #withNbdServer}). */
  public String writableUrl(String node) {
    return "nbd+unix:///w-" + node + "?socket=" + nbdSocket();
  }

  private void launch() throws Exception {
    Files.deleteIfExists(qmpSocket());
    Files.deleteIfExists(nbdSocket());
    Files.deleteIfExists(testSocket());
    List<String> command = new ArrayList<>(List.of("qemu-storage-daemon"));
    for (Disk disk : disks) {
      command.add("--blockdev");
      command.add("driver=file,filename=" + disk.image() + ",node-name=" + disk.node() + "-file");
      command.add("--blockdev");
      command.add(
          "driver=" + disk.format() + ",file=" + disk.node() + "-file,node-name=" + disk.node());
    }
    command.addAll(extraArguments);
    command.addAll(
        List.of(
            "--chardev",
            "socket,path=" + qmpSocket() + ",server=on,wait=off,id=qmp0",
            "--monitor",
            "chardev=qmp0",
            "--chardev",
            "socket,path=" + testSocket() + ",server=on,wait=off,id=test0",
            "--monitor",
            "chardev=test0"));
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("qsd.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(qmpSocket()) || !Files.exists(testSocket())) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException(
            "qemu-storage-daemon did not start: " + Files.readString(dir.resolve("qsd.log")));
      }
      Thread.sleep(20);
    }
  }

  /** SIGKILL, as a crash or the OOM killer would: QEMU saves nothing. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM: QEMU closes its images properly and stores persistent bitmaps. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
  }

  /** Starts the daemon again with the same images and arguments. */
  public void restart() throws Exception {
    launch();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      stop();
    }
  }
}
