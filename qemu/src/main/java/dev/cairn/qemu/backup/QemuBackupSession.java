package dev.cairn.qemu.backup;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.qemu.block.BlockGraph;
import dev.cairn.qemu.block.QemuDisk;
import dev.cairn.qemu.qmp.QmpClient;
import dev.cairn.qemu.qmp.QmpCommandException;
import dev.cairn.qemu.qmp.QmpException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A backup of the disks of a running QEMU ({@code qemu-system-*} or {@code qemu-storage-daemon}): a
 * point-in-time, read-only NBD export of each disk, with the dirty bitmap since the previous
 * checkpoint when there is a usable one.
 *
 * <p>Opening a session, in order: removes what a crashed session left (warned); reads the disks;
 * repairs their checkpoint bitmaps (see {@link CheckpointPlan}); starts an NBD server on a Unix
 * socket in the work directory, or shares the one named in the request; creates a temporary
 * fleecing overlay per disk; then in one QMP {@code transaction} across all disks adds the new
 * checkpoint bitmap, freezes (disables) the previous one and starts the point-in-time view; and
 * exports each view with the frozen bitmap. Any failure undoes all of it before {@code open}
 * throws.
 *
 * <p>Then read the exports, call {@link #confirmPointInTime()}, write the restore point with each
 * disk's {@link ExportedDisk#newCheckpoint()}, and call {@link #commit()}, which removes the
 * exports and temporary objects and drops the frozen previous checkpoints. {@link #close()} without
 * a commit removes the same things and rolls the bitmaps back (the new bitmap is merged into the
 * previous checkpoint, which records again), so that the next incremental backup still covers every
 * write since the last committed one.
 *
 * <p>The session holds the QMP connection until it is closed; QEMU serves one client per monitor,
 * which keeps a second Cairn (or libvirt) from interfering meanwhile. Not thread-safe: one thread
 * drives a session; the exports may be read from any number of threads and connections.
 */
public final class QemuBackupSession implements AutoCloseable {
  /** Bytes per bit of the checkpoint bitmaps: the granularity of incremental backups. */
  public static final long BITMAP_GRANULARITY = 64 * 1024;

  // sun_path holds 108 bytes including the terminating NUL.
  private static final int MAX_SOCKET_PATH_BYTES = 107;
  private static final DateTimeFormatter CHECKPOINT_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private enum State {
    OPEN,
    CLOSED
  }

  private final QemuBackupRequest request;
  private final QmpClient qmp;
  private final QemuBlockLayer blockLayer;
  private final String qemu;
  private final String fileTag;
  private final Path serverSocket;
  private final TemporaryObjects temporaries;
  private final String newCheckpoint;
  private final List<String> warnings = new ArrayList<>();
  private final List<DiskView> views = new ArrayList<>();
  private final List<ExportedDisk> exported = new ArrayList<>();
  private NbdServerAddress server;
  private boolean startedServer;
  private State state = State.OPEN;

  private QemuBackupSession(QemuBackupRequest request, QmpClient qmp) {
    this.request = request;
    this.qmp = qmp;
    this.blockLayer = new QemuBlockLayer(qmp, request.qmpTimeout());
    this.qemu = "QEMU at " + qmp.socket();
    this.fileTag = "cairn-" + shortHash(qmp.socket().toString()) + "-";
    Path workDir = request.workDir().toAbsolutePath();
    this.serverSocket = workDir.resolve(fileTag + "nbd.sock");
    this.temporaries = new TemporaryObjects(blockLayer, workDir, fileTag, serverSocket);
    this.newCheckpoint =
        "cairn-"
            + CHECKPOINT_TIME.format(Instant.now())
            + "-"
            + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  }

  /** Opens a session that starts its own NBD server; see {@link #open(QemuBackupRequest)}. */
  public static QemuBackupSession open(
      Path qmpSocket, List<String> disks, Map<String, String> previousCheckpoints, Path workDir)
      throws IOException {
    return open(QemuBackupRequest.of(qmpSocket, disks, previousCheckpoints, workDir));
  }

  /**
   * Opens a session: every requested disk is exported, point-in-time, when this returns.
   *
   * @throws dev.cairn.qemu.qmp.QmpException when QEMU cannot be reached at the socket
   * @throws QemuBackupException naming the disk (or QEMU) and the cause; QEMU is left without
   *     Cairn's temporary bitmaps, nodes, jobs and exports, and the work directory without its
   *     files
   */
  public static QemuBackupSession open(QemuBackupRequest request) throws IOException {
    QmpClient qmp = QmpClient.connect(request.qmpSocket(), request.qmpTimeout());
    QemuBackupSession session = new QemuBackupSession(request, qmp);
    try {
      session.start();
      return session;
    } catch (IOException | RuntimeException e) {
      try {
        session.tearDown(false);
      } catch (IOException | RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** The exported disks, in the order requested (or QEMU's order when all were taken). */
  public List<ExportedDisk> disks() {
    return List.copyOf(exported);
  }

  /**
   * What the session repaired or fears, one line each: leftovers of an interrupted backup it
   * removed, checkpoints it could not keep, raw images whose bitmaps die with QEMU, a work
   * directory short of space. For the backup's result.
   */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * Checks that every point-in-time view held until now: QEMU copies the old data of each guest
   * write to the overlay, and if that ever failed (the work directory filled up), the export shows
   * newer data. Call it after reading everything, before writing the restore point.
   *
   * @throws QemuBackupException naming the disk whose view broke
   */
  public void confirmPointInTime() throws QemuBackupException {
    requireOpen("confirm the backup of");
    Map<String, JsonNode> jobs = new LinkedHashMap<>();
    try {
      qmp.execute("query-block-jobs").forEach(job -> jobs.put(job.path("device").asText(), job));
    } catch (QmpException e) {
      throw new QemuBackupException("Cannot confirm the backup of " + qemu + ": " + e.reason(), e);
    }
    for (DiskView view : views) {
      JsonNode job = jobs.get(view.jobId());
      if (job == null || !"ok".equals(job.path("io-status").asText("ok"))) {
        throw new QemuBackupException(
            "Cannot confirm the backup of "
                + subject(view.disk())
                + ": its point-in-time view broke during the backup (the overlay in "
                + request.workDir()
                + " could not take the old data; is the file system full?)");
      }
    }
  }

  /**
   * The restore point that records each disk's {@link ExportedDisk#newCheckpoint()} is committed:
   * removes the exports and every temporary object, and drops the frozen previous checkpoints. The
   * session is closed afterwards.
   *
   * @throws QemuBackupException if something could not be removed; the next session removes it
   */
  public void commit() throws QemuBackupException {
    requireOpen("commit the backup of");
    tearDown(true);
  }

  /**
   * Removes the exports and every temporary object, stops the NBD server the session started, and,
   * unless committed, rolls the checkpoints back. Idempotent.
   *
   * @throws QemuBackupException if something could not be removed or rolled back; the next session
   *     repairs it
   */
  @Override
  public void close() throws QemuBackupException {
    if (state == State.OPEN) {
      tearDown(false);
    }
  }

  /** Drops the QMP connection and leaves everything in place, as a crash of Cairn would. */
  void abandon() {
    state = State.CLOSED;
    qmp.close();
  }

  private void requireOpen(String verb) {
    if (state != State.OPEN) {
      throw new IllegalStateException("Cannot " + verb + " " + qemu + ": the session is closed");
    }
  }

  private String subject(QemuDisk disk) {
    return "disk " + disk.name() + " of " + qemu;
  }

  private void start() throws IOException {
    try {
      Files.createDirectories(request.workDir());
    } catch (IOException e) {
      throw new QemuBackupException(
          "Cannot back up " + qemu + ": cannot create work directory " + request.workDir(), e);
    }
    temporaries
        .removeAll()
        .forEach(
            left -> warnings.add(qemu + ": removed " + left + " left by an interrupted backup"));
    List<QemuDisk> disks = select(readGraph());
    for (QemuDisk disk : disks) {
      CheckpointPlan plan = CheckpointPlan.decide(disk, previousCheckpoint(disk), subject(disk));
      views.add(new DiskView(views.size(), disk, plan, newCheckpoint, subject(disk)));
      repair(disk, plan);
      warnings.addAll(plan.warnings());
      if (!disk.keepsBitmapsAcrossRestarts()) {
        warnings.add(
            subject(disk)
                + ": a "
                + disk.format()
                + " image cannot keep its checkpoint when QEMU stops; the next backup after a"
                + " restart will be full");
      }
    }
    warnAboutSpace(disks);
    startServer();
    createOverlays();
    startPointInTimeViews();
    for (DiskView view : views) {
      exported.add(view.export(blockLayer, server));
    }
  }

  private BlockGraph readGraph() throws QemuBackupException {
    try {
      return BlockGraph.read(qmp);
    } catch (QmpException e) {
      throw new QemuBackupException("Cannot back up " + qemu + ": " + e.reason(), e);
    }
  }

  private List<QemuDisk> select(BlockGraph graph) throws QemuBackupException {
    List<QemuDisk> disks = new ArrayList<>();
    if (request.disks().isEmpty()) {
      disks.addAll(graph.disks());
      if (disks.isEmpty()) {
        throw new QemuBackupException(
            "Cannot back up "
                + qemu
                + ": it has no disk with a writable image"
                + (graph.graphKnown() ? "" : " that it can show; name the nodes to back up"));
      }
      return disks;
    }
    for (String id : request.disks()) {
      QemuDisk disk =
          graph
              .find(id)
              .filter(d -> !d.nodeName().startsWith(CheckpointPlan.PREFIX))
              .orElseThrow(
                  () ->
                      new QemuBackupException(
                          "Cannot back up disk "
                              + id
                              + " of "
                              + qemu
                              + ": no drive, device or node of that name (disks: "
                              + String.join(
                                  ", ", graph.disks().stream().map(QemuDisk::name).toList())
                              + ")"));
      if (disk.readOnly()) {
        throw new QemuBackupException(
            "Cannot back up disk " + id + " of " + qemu + ": its image is opened read-only");
      }
      if (disks.stream().noneMatch(d -> d.nodeName().equals(disk.nodeName()))) {
        disks.add(disk);
      }
    }
    return disks;
  }

  private Optional<String> previousCheckpoint(QemuDisk disk) {
    String direct = request.previousCheckpoints().get(disk.name());
    if (direct != null) {
      return Optional.of(direct);
    }
    return request.previousCheckpoints().entrySet().stream()
        .filter(entry -> disk.answersTo(entry.getKey()))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  private void repair(QemuDisk disk, CheckpointPlan plan) throws QemuBackupException {
    String node = disk.nodeName();
    try {
      if (!plan.mergeIntoBase().isEmpty()) {
        // Never with an empty source list: that crashes QEMU 7.2.
        qmp.execute(
            "block-dirty-bitmap-merge",
            Map.of(
                "node",
                node,
                "target",
                plan.base().orElseThrow(),
                "bitmaps",
                plan.mergeIntoBase()));
      }
      if (plan.enableBase()) {
        qmp.execute(
            "block-dirty-bitmap-enable", Map.of("node", node, "name", plan.base().orElseThrow()));
      }
      for (String bitmap : plan.remove()) {
        qmp.execute("block-dirty-bitmap-remove", Map.of("node", node, "name", bitmap));
      }
    } catch (QmpException e) {
      throw new QemuBackupException("Cannot back up " + subject(disk) + ": " + e.reason(), e);
    }
  }

  private void warnAboutSpace(List<QemuDisk> disks) {
    long total = disks.stream().mapToLong(QemuDisk::size).sum();
    try {
      long usable = Files.getFileStore(request.workDir()).getUsableSpace();
      if (usable < total) {
        warnings.add(
            qemu
                + ": work directory "
                + request.workDir()
                + " has "
                + (usable >> 20)
                + " MiB free for the old data of disks totalling "
                + (total >> 20)
                + " MiB; guest writes fail if it fills up during the backup");
      }
    } catch (IOException e) {
      warnings.add(qemu + ": cannot tell the free space in " + request.workDir());
    }
  }

  /**
   * QEMU has one NBD server. Sharing a running one needs its address, which QMP cannot tell, so the
   * request must name it. A server on this session's own socket was left by an interrupted Cairn:
   * it is reused and stopped at the end.
   */
  private void startServer() throws QemuBackupException {
    if (request.nbdServer().isPresent()) {
      try {
        server = NbdServerAddress.parse(request.nbdServer().get());
      } catch (IllegalArgumentException e) {
        throw new QemuBackupException(e.getMessage(), e);
      }
      return;
    }
    int length = serverSocket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_SOCKET_PATH_BYTES) {
      throw new QemuBackupException(
          "Cannot back up "
              + qemu
              + ": the NBD socket path "
              + serverSocket
              + " is longer than "
              + MAX_SOCKET_PATH_BYTES
              + " bytes; choose a shorter work directory");
    }
    try {
      qmp.execute(
          "nbd-server-start",
          Map.of("addr", Map.of("type", "unix", "data", Map.of("path", serverSocket.toString()))));
    } catch (QmpCommandException e) {
      if (!e.description().contains("already running")) {
        throw new QemuBackupException("Cannot back up " + qemu + ": " + e.reason(), e);
      }
      if (!Files.exists(serverSocket)) {
        throw new QemuBackupException(
            "Cannot back up "
                + qemu
                + ": an NBD server that Cairn did not start is already running in it; pass its"
                + " address (nbd+unix:///?socket=PATH or nbd://HOST:PORT) to share it");
      }
      warnings.add(qemu + ": reusing the NBD server an interrupted backup left on " + serverSocket);
    } catch (QmpException e) {
      throw new QemuBackupException("Cannot back up " + qemu + ": " + e.reason(), e);
    }
    startedServer = true;
    server = NbdServerAddress.unix(serverSocket);
  }

  private void createOverlays() throws QemuBackupException {
    for (DiskView view : views) {
      view.createOverlay(blockLayer, request.workDir().toAbsolutePath(), fileTag);
    }
  }

  /** One transaction for all disks: every view shows the same instant, matching its bitmaps. */
  private void startPointInTimeViews() throws QemuBackupException {
    List<Map<String, Object>> actions = new ArrayList<>();
    views.forEach(view -> actions.addAll(view.startActions()));
    try {
      qmp.execute("transaction", Map.of("actions", actions));
    } catch (QmpException e) {
      List<String> names = views.stream().map(v -> v.disk().name()).toList();
      throw new QemuBackupException(
          "Cannot back up "
              + (names.size() == 1
                  ? subject(views.getFirst().disk())
                  : "disks " + String.join(", ", names) + " of " + qemu)
              + ": "
              + e.reason(),
          e);
    }
  }

  private void tearDown(boolean committed) throws QemuBackupException {
    state = State.CLOSED;
    List<Exception> failures = new ArrayList<>();
    try {
      temporaries.removeAll();
    } catch (QemuBackupException e) {
      failures.add(e);
    }
    if (startedServer) {
      try {
        qmp.execute("nbd-server-stop");
      } catch (QmpException e) {
        failures.add(e);
      }
      try {
        Files.deleteIfExists(serverSocket);
      } catch (IOException e) {
        failures.add(e);
      }
    }
    try {
      settleBitmaps(committed);
    } catch (QmpException e) {
      failures.add(e);
    }
    qmp.close();
    if (!failures.isEmpty()) {
      Exception first = failures.getFirst();
      QemuBackupException failure =
          first instanceof QemuBackupException q
              ? q
              : new QemuBackupException(
                  "Cannot clean up after backing up "
                      + qemu
                      + ": "
                      + (first instanceof QmpException q ? q.reason() : first.getMessage()),
                  first);
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  /** Drops the frozen checkpoints (committed) or rolls the new ones back, see {@link DiskView}. */
  private void settleBitmaps(boolean committed) throws QmpException {
    if (views.isEmpty()) {
      return;
    }
    BlockGraph graph = BlockGraph.read(qmp);
    List<Map<String, Object>> actions = new ArrayList<>();
    for (DiskView view : views) {
      actions.addAll(view.settleActions(graph.bitmapsOf(view.disk().nodeName()), committed));
    }
    if (!actions.isEmpty()) {
      // If this fails, the next session finds the previous checkpoint frozen next to the new
      // bitmap and merges them (CheckpointPlan), so coverage is not lost.
      qmp.execute("transaction", Map.of("actions", actions));
    }
  }

  private static String shortHash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
