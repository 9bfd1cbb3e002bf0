package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.backup.BackupRequest;
import dev.cairn.engine.check.CheckReport;
import dev.cairn.engine.check.Checker;
import dev.cairn.engine.export.PointExportBackend;
import dev.cairn.engine.restore.RestoreEngine;
import dev.cairn.engine.source.ChangedExtents;
import dev.cairn.engine.source.FileDiskSource;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.client.NbdClientOptions;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.repository.point.SourceDescription;
import dev.cairn.repository.point.VmIdentity;
import dev.cairn.storage.local.LocalBlobStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The quick start's main job on embedded defaults: make a sample VM disk, back it up into a new
 * local repository, change it, back it up incrementally, list the restore points, restore the
 * latest and compare it byte for byte, then check the repository.
 */
@Command(
    name = "demo",
    description =
        "Back up a generated sample disk into a new local repository, list it, restore and verify it.")
final class DemoCommand implements Callable<Integer> {
  private static final int MIB = 1024 * 1024;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Working directory (default cairn-demo).")
  Path directory = Path.of("cairn-demo");

  @Option(names = "--size-mib", paramLabel = "MIB", description = "Sample disk size (default 512).")
  int sizeMib = 512;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path repositoryPath = directory.resolve("repo");
    if (Files.exists(repositoryPath)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot run the demo in "
              + directory
              + ": it already has a repository; remove it or use --dir");
    }
    Files.createDirectories(directory);
    Path disk = directory.resolve("vm-disk.img");
    Path passwordFile = directory.resolve("password");
    char[] password = newPassword(passwordFile);
    out.printf(
        "1. Writing a %d MiB sample VM disk to %s (zero, random and text regions)%n",
        sizeMib, disk);
    writeSampleDisk(disk, sizeMib, 1);
    try (Repository repository =
            Repository.init(
                LocalBlobStore.createDirectoryAndOpen(repositoryPath),
                password,
                new Repository.InitOptions(KdfParameters.defaults(), "demo"),
                Clock.systemUTC());
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      out.printf(
          "2. Created encrypted repository %s (password in %s)%n", repositoryPath, passwordFile);
      BackupEngine engine = new BackupEngine(repository, BackupEngine.defaultWorkers(), progress);
      RestorePoint full = backup(engine, disk, Optional.empty());
      progress.close();
      report(out, "3. Full backup", full);
      List<ChangedExtents.Extent> changed = changeSampleDisk(disk, sizeMib);
      RestorePoint incremental = backup(engine, disk, Optional.of(changed));
      progress.close();
      report(out, "4. Changed 8 MiB of the disk; incremental backup", incremental);
      out.println("5. Restore points:");
      for (RestorePoint point : repository.points().all()) {
        out.printf(
            "     %s  %s  %s  %s%n",
            point.shortId(),
            point.time(),
            point.vm().name(),
            point.statistics().incremental() ? "incremental" : "full");
      }
      Path restored = directory.resolve("restored.img");
      Files.deleteIfExists(restored);
      new RestoreEngine(repository, BackupEngine.defaultWorkers(), progress)
          .restoreDisk(incremental, 0, restored, false);
      progress.close();
      long mismatch = Files.mismatch(disk, restored);
      if (mismatch != -1) {
        throw new CairnException(
            ErrorCode.DAMAGED_DATA, "Demo restore differs from the disk at byte " + mismatch);
      }
      out.printf(
          "6. Restored the latest point to %s: identical to the disk, byte for byte%n", restored);
      long served = readBackOverNbd(repository, incremental, disk);
      out.printf(
          "7. Served the latest point over NBD (instant recovery, as 'cairn export' does) and read"
              + " %s back through Cairn's NBD client: identical%n",
          Output.bytes(served));
      CheckReport report = new Checker(repository, progress).check(100);
      progress.close();
      out.printf(
          "8. check --read-data: %s (%d chunks verified)%n",
          report.ok() ? "no errors" : String.join("; ", report.problems()),
          report.chunksVerified());
    }
    out.printf(
        "%nTry it yourself:%n  export CAIRN_PASSWORD=\"$(cat %s)\"%n  ./cairn points --repo %s%n"
            + "  ./cairn backup --repo %s --vm demo-vm --disk %s --json%n",
        passwordFile, repositoryPath, repositoryPath, disk);
    return 0;
  }

  /**
   * Serves disk 0 of {@code point} on a loopback port, reads it all back with the NBD client and
   * compares it with {@code disk}; returns the bytes read.
   */
  private static long readBackOverNbd(Repository repository, RestorePoint point, Path disk)
      throws IOException {
    PointExportBackend backend = new PointExportBackend(repository, point, 0);
    try (NbdServer server =
            NbdServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Map.of("disk0", backend));
        NbdClient client =
            NbdClient.connect(
                NbdUrl.tcp(
                    server.address().getAddress().getHostAddress(),
                    server.address().getPort(),
                    "disk0"),
                NbdClientOptions.defaults());
        FileChannel original = FileChannel.open(disk, StandardOpenOption.READ)) {
      ByteBuffer served = ByteBuffer.allocateDirect(4 << 20);
      ByteBuffer expected = ByteBuffer.allocateDirect(4 << 20);
      for (long offset = 0; offset < client.size(); offset += served.capacity()) {
        int length = (int) Math.min(served.capacity(), client.size() - offset);
        client.read(offset, served.clear().limit(length));
        expected.clear().limit(length);
        while (expected.hasRemaining()) {
          if (original.read(expected, offset + expected.position()) < 0) {
            break;
          }
        }
        if (!served.flip().equals(expected.flip())) {
          throw new CairnException(
              ErrorCode.DAMAGED_DATA,
              "Demo export differs from the disk in the 4 MiB at offset " + offset);
        }
      }
      return client.size();
    }
  }

  private static RestorePoint backup(
      BackupEngine engine, Path disk, Optional<List<ChangedExtents.Extent>> changed)
      throws IOException {
    try (FileDiskSource source = FileDiskSource.open(disk)) {
      return engine
          .backup(
              new BackupRequest(
                  new VmIdentity("demo-vm", null),
                  new SourceDescription("file", disk.toString()),
                  List.of(source),
                  List.of(changed),
                  List.of("demo")))
          .point();
    }
  }

  private static void report(PrintWriter out, String step, RestorePoint point) {
    var statistics = point.statistics();
    out.printf(
        "%s: point %s read %s, stored %s new, in %s%n",
        step,
        point.shortId(),
        Output.bytes(statistics.bytesRead()),
        Output.bytes(statistics.bytesStored()),
        Output.duration(statistics.durationMillis()));
  }

  private static char[] newPassword(Path file) throws IOException {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    String password = HexFormat.of().formatHex(bytes);
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
    return password.toCharArray();
  }

  /** 1 MiB regions: 35% left as holes, 35% random, 30% text; sparse file. */
  static void writeSampleDisk(Path disk, int sizeMib, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] region = new byte[MIB];
    try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
      file.setLength(0);
      file.setLength((long) sizeMib * MIB);
      for (int i = 0; i < sizeMib; i++) {
        int kind = random.nextInt(100);
        if (kind < 35) {
          continue;
        }
        if (kind < 70) {
          random.nextBytes(region);
        } else {
          fillText(region, random);
        }
        file.seek((long) i * MIB);
        file.write(region);
      }
    }
  }

  private static List<ChangedExtents.Extent> changeSampleDisk(Path disk, int sizeMib)
      throws IOException {
    SplittableRandom random = new SplittableRandom(2);
    byte[] block = new byte[64 * 1024];
    long blocks = (long) sizeMib * MIB / block.length;
    java.util.List<ChangedExtents.Extent> extents = new java.util.ArrayList<>();
    try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
      for (int i = 0; i < 128; i++) {
        long offset = random.nextLong(blocks) * block.length;
        random.nextBytes(block);
        file.seek(offset);
        file.write(block);
        extents.add(new ChangedExtents.Extent(offset, block.length));
      }
    }
    return extents;
  }

  private static final String[] WORDS =
      "the backup of virtual machine disk block chunk restore point repository cairn storage snapshot"
          .split(" ");

  private static void fillText(byte[] region, SplittableRandom random) {
    int at = 0;
    StringBuilder line = new StringBuilder();
    while (at < region.length) {
      line.setLength(0);
      line.append("2026-11-24T").append(random.nextInt(24)).append(':').append(random.nextInt(60));
      for (int w = 0; w < 8; w++) {
        line.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
      }
      line.append(" id=").append(random.nextInt(100000)).append('\n');
      byte[] bytes = line.toString().getBytes(StandardCharsets.US_ASCII);
      int count = Math.min(bytes.length, region.length - at);
      System.arraycopy(bytes, 0, region, at, count);
      at += count;
    }
  }
}
