package dev.cairn.cli;

import dev.cairn.engine.archive.OfflinePacks;
import dev.cairn.engine.archive.Rehydrator;
import dev.cairn.engine.export.PointExportBackend;
import dev.cairn.nbd.overlay.CopyOnWriteBackend;
import dev.cairn.nbd.server.ExportBackend;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.lock.LockKind;
import dev.cairn.repository.lock.RepositoryLock;
import dev.cairn.repository.point.RestorePoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "export",
    description =
        "Serve a disk of a restore point as an NBD export (instant recovery), until interrupted."
            + " Read-only unless --writable, which keeps guest writes in a local overlay that"
            + " never touches the repository and is deleted on exit.")
final class ExportCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin PointSelection selection;

  @Option(
      names = "--listen",
      required = true,
      paramLabel = "HOST:PORT",
      description = "Address to serve on, e.g. 127.0.0.1:10809 (port 0 picks a free one).")
  String listen;

  @Option(
      names = "--name",
      paramLabel = "EXPORT",
      description = "Export name (default disk<INDEX>; the default export '' serves it too).")
  String name;

  @Option(
      names = "--writable",
      description = "Accept writes into a local copy-on-write overlay (discarded on exit).")
  boolean writable;

  @Option(
      names = "--overlay-dir",
      paramLabel = "DIR",
      description = "Where the --writable overlay file lives (default: the temporary directory).")
  java.nio.file.Path overlayDirectory;

  @Override
  public Integer call() throws Exception {
    InetSocketAddress address = parseListen(listen);
    String exportName = name == null ? "disk" + selection.disk : name;
    PrintWriter out = spec.commandLine().getOut();
    // On Ctrl-C the JVM runs shutdown hooks and then halts: the hook stops the server and waits
    // for this thread to release the lock and delete the overlay before letting the JVM go.
    java.util.concurrent.CountDownLatch cleanedUp = new java.util.concurrent.CountDownLatch(1);
    // Without the warm-ups: they would take CPU from the key derivation, and the time to first
    // byte counts (docs/benchmarks.md section 5.2); serving reads warms the JIT up soon enough.
    try (Repository opened = repository.open(false);
        RepositoryLock lock = opened.lock(LockKind.SHARED, "export")) {
      // The first read needs the chunk index: load it on the other core while the point is found
      // and the server starts. A failure here is left to the first read, which reports it.
      Thread.ofPlatform()
          .daemon()
          .name("cairn-index-load")
          .start(
              () -> {
                try {
                  opened.index();
                } catch (IOException | RuntimeException e) {
                  // reported by the read that needs the index
                }
              });
      RestorePoint found = opened.points().find(selection.point);
      // The guest would meet archived data as I/O errors at random places: refuse up front.
      OfflinePacks offline =
          new Rehydrator(opened, Clock.systemUTC(), Rehydrator.Sleeper.SYSTEM)
              .offlinePacks(found, List.of(selection.disk));
      if (!offline.isEmpty()) {
        throw Rehydrator.archivedFailure(
            "export",
            offline,
            "bring them online first with cairn rehydrate --point "
                + found.id()
                + " --priority standard|high");
      }
      ExportBackend backend = backend(new PointExportBackend(opened, found, selection.disk));
      Map<String, ExportBackend> exports = new LinkedHashMap<>();
      exports.put(exportName, backend);
      exports.putIfAbsent("", backend);
      try (backend;
          NbdServer server = NbdServer.start(address, exports)) {
        Thread hook =
            new Thread(
                () -> {
                  closeQuietly(server);
                  awaitQuietly(cleanedUp);
                },
                "cairn-export-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        opened
            .audit()
            .record(
                "export",
                Map.of(
                    "point",
                    found.id(),
                    "disk",
                    String.valueOf(selection.disk),
                    "listen",
                    server.address().toString(),
                    "writable",
                    String.valueOf(writable)));
        if (!server.address().getAddress().isLoopbackAddress()) {
          spec.commandLine()
              .getErr()
              .println(
                  "cairn: warning: serving on "
                      + server.address()
                      + " without TLS or authentication: anyone who can reach it can read the"
                      + (writable ? " disk and write to its overlay" : " disk"));
        }
        out.printf(
            Locale.ROOT,
            "Serving disk %d of %s (%s, %s) at nbd://%s:%d/%s until interrupted.%n",
            selection.disk,
            found.shortId(),
            Output.bytes(backend.size()),
            writable ? "writable, writes go to a local overlay" : "read-only",
            hostForUrl(server.address()),
            server.address().getPort(),
            exportName);
        out.flush();
        server.awaitClose();
      }
    } finally {
      cleanedUp.countDown();
    }
    return 0;
  }

  private ExportBackend backend(PointExportBackend point) throws IOException {
    if (!writable) {
      return point;
    }
    java.nio.file.Path directory =
        overlayDirectory != null
            ? overlayDirectory
            : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
    if (!java.nio.file.Files.isDirectory(directory)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot use --overlay-dir " + directory + ": no such directory");
    }
    // The overlay holds guest writes only; the restore point itself is never written.
    return CopyOnWriteBackend.create(point, directory);
  }

  static InetSocketAddress parseListen(String listen) throws CairnException {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0 || colon == listen.length() - 1) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot listen on " + listen + ": expected HOST:PORT");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(listen.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host, port);
    } catch (NumberFormatException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot listen on " + listen + ": the port is not 0-65535");
    }
  }

  private static String hostForUrl(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
    try {
      latch.await(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(NbdServer server) {
    try {
      server.close();
    } catch (IOException ignored) {
      // exiting anyway
    }
  }
}
