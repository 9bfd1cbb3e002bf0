package dev.cairn.cli;

import dev.cairn.engine.backup.BackupEngine;
import dev.cairn.engine.copy.CopyRequest;
import dev.cairn.engine.copy.CopyResult;
import dev.cairn.engine.copy.PointCopier;
import dev.cairn.engine.copy.ThrottledBlobStore;
import dev.cairn.engine.copy.TokenBucket;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.storage.BlobStore;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "copy",
    description =
        "Copy restore points to another repository (a second region, account or cloud): only"
            + " chunks the target lacks are sent, re-encrypted under its keys, and each point is"
            + " verified there before it is committed. Re-running resumes an interrupted copy.")
final class CopyCommand implements Callable<Integer> {
  private static final double MIB = 1024 * 1024;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "REPO",
      description = "The source repository; it is only read.")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "REPO",
      description = "The target repository (create it first with 'cairn init').")
  String to;

  @Option(
      names = "--from-password-file",
      paramLabel = "FILE",
      description =
          "The source's password, from the first line of FILE (else CAIRN_FROM_PASSWORD, else"
              + " CAIRN_PASSWORD, else a prompt).")
  Path fromPasswordFile;

  @Option(
      names = "--to-password-file",
      paramLabel = "FILE",
      description =
          "The target's password, from the first line of FILE (else CAIRN_TO_PASSWORD, else"
              + " CAIRN_PASSWORD, else a prompt).")
  Path toPasswordFile;

  @Option(
      names = "--vm",
      paramLabel = "NAME",
      description = "Copy only points of this VM; repeat for more.")
  List<String> vms = new ArrayList<>();

  @Option(
      names = "--point",
      paramLabel = "ID",
      description = "Copy exactly this point (id or unique prefix); repeat for more.")
  List<String> points = new ArrayList<>();

  @Option(
      names = "--all",
      description =
          "Also copy points older than the target's newest point of their VM (by default they are"
              + " left out, so that points the target's retention forgot do not come back).")
  boolean all;

  @Option(
      names = "--limit",
      paramLabel = "MiB/s",
      description = "Write at most this many MiB per second to the target.")
  Double limit;

  @Option(
      names = "--verify-data",
      description = "Read back and verify every chunk of each copied point in the target.")
  boolean verifyData;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Parallel workers (default: cores + 1).")
  int workers = BackupEngine.defaultWorkers();

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (limit != null && !(limit > 0 && limit < 1e9)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot copy: --limit takes a positive rate in MiB/s, not " + limit);
    }
    if (all && !points.isEmpty()) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot copy: --all chooses points, --point names them; give one");
    }
    try (Repository source =
            open(
                from,
                fromPasswordFile,
                "CAIRN_FROM_PASSWORD",
                "source",
                "--from-password-file",
                null);
        Repository target =
            open(to, toPasswordFile, "CAIRN_TO_PASSWORD", "target", "--to-password-file", limit);
        TerminalProgress progress = TerminalProgress.forTerminal()) {
      long started = System.nanoTime();
      List<String> committed = new ArrayList<>();
      CopyResult result;
      try {
        result =
            new PointCopier(source, target, workers, progress)
                .copy(
                    new CopyRequest(vms, points, all, verifyData),
                    point -> committed.add(point.id()));
      } catch (IOException | RuntimeException e) {
        recordIfAny(target, source, committed, false, e);
        throw e;
      }
      recordIfAny(target, source, committed, true, null);
      progress.close();
      print(result, source, target, (System.nanoTime() - started) / 1_000_000);
    }
    return 0;
  }

  /** Records the points a copy committed in the target's audit trail, even if it failed later. */
  private static void recordIfAny(
      Repository target,
      Repository source,
      List<String> committed,
      boolean complete,
      Exception failure)
      throws IOException {
    if (committed.isEmpty()) {
      return;
    }
    try {
      target
          .audit()
          .record(
              "copy",
              Map.of(
                  "from",
                  source.location(),
                  "points",
                  String.join(",", committed),
                  "complete",
                  String.valueOf(complete)));
    } catch (IOException | RuntimeException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
  }

  private void print(CopyResult result, Repository source, Repository target, long millis) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Output.json(out, result);
      return;
    }
    for (String warning : result.warnings()) {
      out.println("warning: " + warning);
    }
    out.printf(
        Locale.ROOT,
        "Copied %d restore point(s) from %s to %s in %s (%d already there): read %s, wrote %s;"
            + " %d new chunks, %d already in the target, %d reused without reading.%n",
        result.copied().size(),
        source.location(),
        target.location(),
        Output.duration(millis),
        result.skipped().size(),
        Output.bytes(result.bytesRead()),
        Output.bytes(result.bytesWritten()),
        result.chunksNew(),
        result.chunksExisting(),
        result.chunksReused());
    if (!result.copied().isEmpty()) {
      out.println(
          "Every copied point was verified in the target"
              + (verifyData
                  ? ", each of its " + result.chunksVerified() + " chunks read back."
                  : "."));
    }
    if (!result.older().isEmpty()) {
      out.printf(
          Locale.ROOT,
          "note: %d point(s) are older than the target's newest point of their VM and were left"
              + " out (--all copies them): %s%n",
          result.older().size(),
          String.join(", ", result.older().stream().map(id -> id.substring(0, 8)).toList()));
    }
  }

  private static Repository open(
      String location,
      Path passwordFile,
      String variable,
      String role,
      String fileOption,
      Double limitMibPerSecond)
      throws IOException {
    RepositoryOptions options = new RepositoryOptions();
    options.repository = location;
    options.passwordFile = passwordFile;
    BlobStore store = options.openStore();
    try {
      Repository.readConfig(store);
      char[] password =
          passwordFile != null
              ? options.password(false)
              : password(variable, role, fileOption, store.location());
      BlobStore used =
          limitMibPerSecond == null
              ? store
              : ThrottledBlobStore.around(
                  store, new TokenBucket(limitMibPerSecond * MIB, TokenBucket.Time.SYSTEM));
      return Repository.open(used, password, Clock.systemUTC());
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The password of one side: its own variable, else CAIRN_PASSWORD, else a prompt naming it. */
  private static char[] password(String variable, String role, String fileOption, String location)
      throws CairnException {
    for (String name : List.of(variable, "CAIRN_PASSWORD")) {
      String value = System.getenv(name);
      if (value != null && !value.isEmpty()) {
        return value.toCharArray();
      }
    }
    Console console = System.console();
    if (console != null && console.isTerminal()) {
      char[] password = console.readPassword("Password of the %s repository %s: ", role, location);
      if (password != null && password.length > 0) {
        return password;
      }
    }
    throw new CairnException(
        ErrorCode.INVALID_INPUT,
        "Cannot get the password of the "
            + role
            + " repository "
            + location
            + ": set "
            + variable
            + " or CAIRN_PASSWORD, use "
            + fileOption
            + " FILE, or run on a terminal");
  }
}
