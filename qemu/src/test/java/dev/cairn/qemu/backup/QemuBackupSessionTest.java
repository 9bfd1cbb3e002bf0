package dev.cairn.qemu.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.qemu.block.BlockGraph;
import dev.cairn.qemu.block.DirtyBitmap;
import dev.cairn.qemu.qmp.QmpClient;
import dev.cairn.qemu.qmp.QmpException;
import dev.cairn.qemu.testing.DiskModel;
import dev.cairn.qemu.testing.ExternalTools;
import dev.cairn.qemu.testing.NbdTools;
import dev.cairn.qemu.testing.Range;
import dev.cairn.qemu.testing.StorageDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup sessions against a real {@code qemu-storage-daemon}: full and incremental exports checked
 * byte for byte and range for range, point-in-time views under concurrent writes, rollback, crashes
 * of Cairn and of QEMU, and the cleanup of every failure path.
 */
@Timeout(300)
class QemuBackupSessionTest {
  private static final int SIZE = 16 << 20;
  private static final int CHUNK = (int) QemuBackupSession.BITMAP_GRANULARITY;

  @TempDir Path dir;
  private Path work;
  private StorageDaemon daemon;
  private boolean sharedServer;
  private final DiskModel model = new DiskModel(SIZE);

  @BeforeEach
  void requireTools() {
    ExternalTools.require("qemu-storage-daemon", "qemu-img", "qemu-io", "nbdcopy", "nbdinfo");
    work = dir.resolve("work");
  }

  @AfterEach
  void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  /** A qcow2 or raw disk0 with data, served without NBD server (Cairn starts its own). */
  private void startDaemon(String format) throws Exception {
    Path image = imageWithData("disk0", format);
    daemon = StorageDaemon.start(dir, new StorageDaemon.Disk("disk0", image, format));
  }

  /** disk0 (and more disks) with data, plus an NBD server with a writable export of disk0. */
  private void startDaemonWithWriter(String format, List<String> extraArguments, String... more)
      throws Exception {
    List<StorageDaemon.Disk> disks = new ArrayList<>();
    disks.add(new StorageDaemon.Disk("disk0", imageWithData("disk0", format), format));
    for (String node : more) {
      Path image = StorageDaemon.createImage(dir, node + "." + format, format, SIZE);
      disks.add(new StorageDaemon.Disk(node, image, format));
    }
    List<String> arguments = new ArrayList<>(StorageDaemon.withNbdServer(dir, "disk0"));
    arguments.addAll(extraArguments);
    daemon = StorageDaemon.start(dir, disks, arguments);
    sharedServer = true;
  }

  private Path imageWithData(String name, String format) throws Exception {
    Path image = StorageDaemon.createImage(dir, name + "." + format, format, SIZE);
    NbdTools.writeImage(image, format, 0x11, 0, 1 << 20);
    model.write(0x11, 0, 1 << 20);
    NbdTools.writeImage(image, format, 0x22, 3 << 20, 5 * CHUNK + 512);
    model.write(0x22, 3 << 20, 5 * CHUNK + 512);
    return image;
  }

  private QemuBackupSession open(Map<String, String> previous) throws IOException {
    return open(List.of(), previous);
  }

  private QemuBackupSession open(List<String> disks, Map<String, String> previous)
      throws IOException {
    QemuBackupRequest request = QemuBackupRequest.of(daemon.qmpSocket(), disks, previous, work);
    return QemuBackupSession.open(
        sharedServer ? request.withNbdServer(daemon.nbdServerUrl()) : request);
  }

  /** A guest write, through the writable export. */
  private Range write(int pattern, long offset, long length) throws Exception {
    NbdTools.write(daemon.writableUrl("disk0"), pattern, offset, length);
    model.write(pattern, offset, length);
    return new Range(offset, length);
  }

  /** What a bitmap of 64 KiB granularity marks for these writes, merged and sorted. */
  private static List<Range> chunksOf(Range... writes) {
    List<Range> chunks =
        Stream.of(writes)
            .map(
                w -> {
                  long start = w.offset() / CHUNK * CHUNK;
                  long end = (w.end() + CHUNK - 1) / CHUNK * CHUNK;
                  return new Range(start, end - start);
                })
            .sorted(Comparator.comparingLong(Range::offset))
            .toList();
    List<Range> merged = new ArrayList<>();
    for (Range chunk : chunks) {
      if (!merged.isEmpty() && merged.getLast().end() >= chunk.offset()) {
        Range last = merged.removeLast();
        merged.add(new Range(last.offset(), Math.max(last.end(), chunk.end()) - last.offset()));
      } else {
        merged.add(chunk);
      }
    }
    return merged;
  }

  private static List<Range> dirtyRanges(ExportedDisk disk) throws Exception {
    assertThat(disk.incremental()).as("incremental: " + disk.fullReason()).isTrue();
    return NbdTools.dirtyRanges(disk.nbdUrl(), disk.dirtyBitmapContext().orElseThrow());
  }

  private List<DirtyBitmap> bitmaps(String node) throws QmpException {
    try (QmpClient qmp = QmpClient.connect(daemon.qmpSocket())) {
      return BlockGraph.read(qmp).bitmapsOf(node);
    }
  }

  private List<String> bitmapNames(String node) throws QmpException {
    return bitmaps(node).stream().map(DirtyBitmap::name).toList();
  }

  /** Nothing of Cairn's is left in QEMU or the work directory but checkpoint bitmaps. */
  private void assertNoTemporaries() throws Exception {
    try (QmpClient qmp = QmpClient.connect(daemon.qmpSocket())) {
      assertThat(BlockGraph.read(qmp).nodeNames()).noneMatch(n -> n.startsWith("cairn-"));
      assertThat(qmp.execute("query-block-exports").findValuesAsText("id"))
          .noneMatch(id -> id.startsWith("cairn-"));
      assertThat(qmp.execute("query-jobs").findValuesAsText("id")).isEmpty();
    }
    if (Files.exists(work)) {
      try (Stream<Path> files = Files.list(work)) {
        assertThat(files).isEmpty();
      }
    }
  }

  @Test
  void aFullBackupExportsTheDiskAsWritten() throws Exception {
    startDaemon("qcow2");
    String checkpoint;
    try (QemuBackupSession session = open(Map.of())) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(session.disks()).hasSize(1);
      assertThat(disk.name()).isEqualTo("disk0");
      assertThat(disk.nodeName()).isEqualTo("disk0");
      assertThat(disk.size()).isEqualTo(SIZE);
      assertThat(disk.incremental()).isFalse();
      assertThat(disk.fullReason()).contains("no previous checkpoint");
      assertThat(disk.nbdUrl())
          .startsWith("nbd+unix:///cairn-disk0?socket=" + work.toAbsolutePath() + "/cairn-");
      assertThat(disk.newCheckpoint()).startsWith("cairn-");
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      checkpoint = disk.newCheckpoint();
      session.confirmPointInTime();
      session.commit();
    }
    assertNoTemporaries();
    assertThat(bitmaps("disk0"))
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.name()).isEqualTo(checkpoint);
              assertThat(b.recording()).isTrue();
              assertThat(b.persistent()).isTrue();
            });
  }

  @Test
  void anIncrementalBackupListsExactlyTheWrittenChunks() throws Exception {
    startDaemonWithWriter("qcow2", List.of());
    String first;
    try (QemuBackupSession session = open(Map.of())) {
      first = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    Range inside = write(0x33, (1 << 20) + 4096, 4096);
    Range straddling = write(0x44, (5 << 20) - 100, 200);
    Range several = write(0x55, 10 << 20, 3 * CHUNK);

    String second;
    try (QemuBackupSession session = open(Map.of("disk0", first))) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(disk.fullReason()).isEmpty();
      assertThat(disk.dirtyBitmapContext()).contains("qemu:dirty-bitmap:" + first);
      assertThat(dirtyRanges(disk)).isEqualTo(chunksOf(inside, straddling, several));
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      second = disk.newCheckpoint();
      session.commit();
    }
    assertNoTemporaries();
    assertThat(bitmapNames("disk0")).containsExactly(second);
  }

  @Test
  void theExportStaysAtItsPointInTimeWhileTheGuestWrites() throws Exception {
    startDaemonWithWriter("qcow2", List.of());
    DiskModel before = model.copy();
    String checkpoint;
    List<Range> duringBackup = new ArrayList<>();
    try (QemuBackupSession session = open(Map.of())) {
      ExportedDisk disk = session.disks().getFirst();
      duringBackup.add(write(0x66, 0, 4 * CHUNK));
      duringBackup.add(write(0x77, 8 << 20, CHUNK));
      before.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      session.confirmPointInTime();
      checkpoint = disk.newCheckpoint();
      session.commit();
    }
    // The writes made during the backup belong to the next one.
    try (QemuBackupSession session = open(Map.of("disk0", checkpoint))) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(dirtyRanges(disk)).isEqualTo(chunksOf(duringBackup.toArray(Range[]::new)));
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
    }
    assertNoTemporaries();
  }

  @Test
  void aViewThatStoppedBeingPointInTimeIsNotConfirmed() throws Exception {
    startDaemon("qcow2");
    try (QemuBackupSession session = open(Map.of())) {
      // What QEMU does when the overlay cannot take the old data: the copying job ends.
      try (QmpClient test = QmpClient.connect(daemon.testSocket())) {
        test.execute("job-cancel", Map.of("id", "cairn-backup-0"));
      }
      assertThatThrownBy(session::confirmPointInTime)
          .isInstanceOf(QemuBackupException.class)
          .hasMessageStartingWith(
              "Cannot confirm the backup of disk disk0 of QEMU at "
                  + daemon.qmpSocket()
                  + ": its point-in-time view broke during the backup");
    }
    assertNoTemporaries();
    assertThat(bitmaps("disk0")).isEmpty();
  }

  @Test
  void closingWithoutCommitKeepsEveryWriteForTheNextIncremental() throws Exception {
    startDaemonWithWriter("qcow2", List.of());
    String first;
    try (QemuBackupSession session = open(Map.of())) {
      first = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    Range beforeFailed = write(0x31, 2 << 20, CHUNK);
    try (QemuBackupSession session = open(Map.of("disk0", first))) {
      assertThat(session.disks().getFirst().incremental()).isTrue();
      write(0x32, 7 << 20, 2 * CHUNK); // during the backup that is never committed
    }
    Range duringFailed = new Range(7 << 20, 2 * CHUNK);
    assertNoTemporaries();
    assertThat(bitmaps("disk0"))
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.name()).isEqualTo(first);
              assertThat(b.recording()).isTrue();
            });
    Range afterFailed = write(0x34, 12 << 20, 100);

    try (QemuBackupSession session = open(Map.of("disk0", first))) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(dirtyRanges(disk)).isEqualTo(chunksOf(beforeFailed, duringFailed, afterFailed));
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      session.commit();
    }
  }

  @Test
  void aFailedOpenLeavesNothingBehindAndLosesNoWrites() throws Exception {
    // An export that already bears the name Cairn gives disk1's: the session fails after its
    // transaction, with a checkpoint frozen, nodes, a job and an export to undo.
    startDaemonWithWriter(
        "qcow2",
        List.of("--export", "type=nbd,id=foreign,node-name=disk1,name=cairn-disk1"),
        "disk1");
    String first;
    try (QemuBackupSession session = open(List.of("disk0"), Map.of())) {
      first = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    Range beforeFailed = write(0x41, 0, CHUNK);

    assertThatThrownBy(() -> open(Map.of("disk0", first)))
        .isInstanceOf(QemuBackupException.class)
        .hasMessageStartingWith("Cannot back up disk disk1 of QEMU at " + daemon.qmpSocket() + ": ")
        .hasMessageContaining("cairn-disk1")
        .hasMessageNotContaining("\n");

    assertNoTemporaries();
    assertThat(bitmaps("disk0"))
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.name()).isEqualTo(first);
              assertThat(b.recording()).isTrue();
            });
    assertThat(bitmaps("disk1")).isEmpty();
    try (QmpClient qmp = QmpClient.connect(daemon.qmpSocket())) {
      assertThat(qmp.execute("query-block-exports").findValuesAsText("id"))
          .containsExactlyInAnyOrder("foreign", "w-disk0");
    }
    Range afterFailed = write(0x42, 4 << 20, CHUNK); // the shared NBD server still serves

    try (QemuBackupSession session = open(List.of("disk0"), Map.of("disk0", first))) {
      assertThat(dirtyRanges(session.disks().getFirst()))
          .isEqualTo(chunksOf(beforeFailed, afterFailed));
      session.commit();
    }
  }

  @Test
  void whatACrashedSessionLeftIsRemovedWithAWarningAndItsWritesKept() throws Exception {
    startDaemonWithWriter("qcow2", List.of());
    String first;
    try (QemuBackupSession session = open(Map.of())) {
      first = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    Range beforeCrash = write(0x51, 1 << 20, CHUNK);
    QemuBackupSession crashed = open(Map.of("disk0", first));
    crashed.abandon();
    Range afterCrash = write(0x52, 9 << 20, CHUNK);

    try (QemuBackupSession session = open(Map.of("disk0", first))) {
      assertThat(session.warnings())
          .anyMatch(w -> w.contains("removed export cairn-export-0"))
          .anyMatch(w -> w.contains("removed job cairn-backup-0"))
          .anyMatch(w -> w.contains("removed node cairn-fleece-0"))
          .anyMatch(w -> w.contains("fleece-0.qcow2"))
          .anyMatch(w -> w.contains("left frozen by an interrupted backup"));
      ExportedDisk disk = session.disks().getFirst();
      assertThat(dirtyRanges(disk)).isEqualTo(chunksOf(beforeCrash, afterCrash));
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      session.commit();
    }
    assertNoTemporaries();
    assertThat(bitmaps("disk0")).hasSize(1);
  }

  @Test
  void anNbdServerLeftByACrashedSessionIsReused() throws Exception {
    startDaemon("qcow2");
    open(Map.of()).abandon();
    try (QemuBackupSession session = open(Map.of())) {
      assertThat(session.warnings()).anyMatch(w -> w.contains("reusing the NBD server"));
      model.assertMatches(NbdTools.readAll(session.disks().getFirst().nbdUrl(), dir));
      session.commit();
    }
    assertNoTemporaries();
  }

  @Test
  void anInconsistentBitmapAfterQemuWasKilledForcesAFullBackup() throws Exception {
    startDaemonWithWriter("qcow2", List.of());
    String first;
    try (QemuBackupSession session = open(Map.of())) {
      first = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    // A clean restart keeps the persistent checkpoint: still incremental.
    Range beforeRestart = write(0x61, 6 << 20, CHUNK);
    daemon.stop();
    daemon.restart();
    String second;
    try (QemuBackupSession session = open(Map.of("disk0", first))) {
      assertThat(dirtyRanges(session.disks().getFirst())).isEqualTo(chunksOf(beforeRestart));
      second = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    daemon.stop();
    daemon.restart(); // stores the second checkpoint in the image, marked in use again
    write(0x62, 11 << 20, CHUNK);
    daemon.kill();
    daemon.restart();
    assertThat(bitmaps("disk0"))
        .singleElement()
        .satisfies(b -> assertThat(b.inconsistent()).isTrue());

    String third;
    try (QemuBackupSession session = open(Map.of("disk0", second))) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(disk.incremental()).isFalse();
      assertThat(disk.fullReason())
          .hasValueSatisfying(r -> assertThat(r).contains(second, "inconsistent"));
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      third = disk.newCheckpoint();
      session.commit();
    }
    assertThat(bitmapNames("disk0")).containsExactly(third);
  }

  @Test
  void aMissingCheckpointForcesAFullBackup() throws Exception {
    startDaemon("qcow2");
    try (QemuBackupSession session = open(Map.of("disk0", "cairn-20240101T000000Z-0000"))) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(disk.incremental()).isFalse();
      assertThat(disk.fullReason())
          .hasValueSatisfying(
              r -> assertThat(r).contains("cairn-20240101T000000Z-0000 not found on node disk0"));
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
    }
    assertNoTemporaries();
    assertThat(bitmaps("disk0")).isEmpty(); // not committed: the new bitmap is gone too
  }

  @Test
  void aRawImageKeepsItsCheckpointOnlyWhileQemuRuns() throws Exception {
    startDaemonWithWriter("raw", List.of());
    String first;
    try (QemuBackupSession session = open(Map.of())) {
      assertThat(session.warnings()).anyMatch(w -> w.contains("a raw image cannot keep"));
      first = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    assertThat(bitmaps("disk0"))
        .singleElement()
        .satisfies(b -> assertThat(b.persistent()).isFalse());
    Range written = write(0x71, 2 << 20, CHUNK);
    String second;
    try (QemuBackupSession session = open(Map.of("disk0", first))) {
      assertThat(dirtyRanges(session.disks().getFirst())).isEqualTo(chunksOf(written));
      second = session.disks().getFirst().newCheckpoint();
      session.commit();
    }
    daemon.stop();
    daemon.restart();
    try (QemuBackupSession session = open(Map.of("disk0", second))) {
      ExportedDisk disk = session.disks().getFirst();
      assertThat(disk.fullReason())
          .hasValueSatisfying(r -> assertThat(r).contains("raw image keeps no bitmaps"));
      model.assertMatches(NbdTools.readAll(disk.nbdUrl(), dir));
      session.commit();
    }
  }

  @Test
  void anUnknownDiskIsOneLineNamingItAndTheDisksThereAre() throws Exception {
    startDaemon("qcow2");
    assertThatThrownBy(() -> open(List.of("nope"), Map.of()))
        .isExactlyInstanceOf(QemuBackupException.class)
        .hasMessage(
            "Cannot back up disk nope of QEMU at "
                + daemon.qmpSocket()
                + ": no drive, device or node of that name (disks: disk0)");
    assertNoTemporaries();
  }

  @Test
  void aMissingQmpSocketIsOneLineNamingIt() {
    Path socket = dir.resolve("absent.sock");
    assertThatThrownBy(() -> QemuBackupSession.open(socket, List.of(), Map.of(), work))
        .isExactlyInstanceOf(QmpException.class)
        .hasMessageStartingWith("Cannot connect to QEMU at " + socket + ": no such socket");
  }

  @Test
  void aForeignNbdServerIsNotTakenOverWithoutItsAddress() throws Exception {
    startDaemonWithWriter("qcow2", List.of());
    QemuBackupRequest request = QemuBackupRequest.of(daemon.qmpSocket(), List.of(), Map.of(), work);
    assertThatThrownBy(() -> QemuBackupSession.open(request))
        .isExactlyInstanceOf(QemuBackupException.class)
        .hasMessageContaining("an NBD server that Cairn did not start is already running")
        .hasMessageContaining("pass its address");
    assertNoTemporaries();
    assertThat(bitmaps("disk0")).isEmpty();
  }
}
