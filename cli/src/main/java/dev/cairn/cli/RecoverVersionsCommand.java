package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.audit.AuditLog;
import dev.cairn.repository.config.RepositoryConfig;
import dev.cairn.repository.index.IndexFile;
import dev.cairn.repository.keys.KeyRing;
import dev.cairn.repository.pack.PackKind;
import dev.cairn.repository.point.RestorePoint;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.RecoveredObject;
import dev.cairn.storage.VersionRecovery;
import dev.cairn.storage.VersionedBlobStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cairn recover-versions}: on a versioned S3 bucket, makes Cairn's own version of every
 * repository object current again after another client hid it (delete markers) or stacked a newer
 * version over it. Named after what it works on, object versions, because it undoes overwrites as
 * well as deletes ("undelete" would promise too little), and because it does not bring back what
 * Cairn itself deleted (forget and prune delete versions, leaving nothing to recover).
 *
 * <p>It works on the store before the repository is opened, so it also recovers a hidden config or
 * key slot; only afterwards does it open the repository to record an audit event, and says so when
 * it cannot.
 */
@Command(
    name = "recover-versions",
    description =
        "On an S3 bucket with versioning (every Object Lock bucket), make the version Cairn wrote"
            + " of each repository object current again where another client put a delete marker"
            + " or a newer version over it: removes the markers, deletes the foreign versions, and"
            + " copies the original over a foreign version that is retained. Never deletes a"
            + " version Cairn wrote. Leaves locks/ alone. Works even when the config or key slots"
            + " are hidden.")
final class RecoverVersionsCommand implements Callable<Integer> {
  /** Objects listed per kind in the output; the counts are always complete. */
  static final int LISTED_PER_KIND = 100;

  /**
   * Every object of the format except locks: those are never retained and are Cairn's mutable
   * coordination (format section 12), so a hidden lock must stay gone (its holder writes a new one
   * at its next refresh) rather than come back as a stale lock that blocks the next operation.
   */
  static final List<String> RECOVERED_PREFIXES =
      List.of(
          RepositoryConfig.OBJECT_NAME,
          KeyRing.PREFIX,
          PackKind.DATA.prefix(),
          PackKind.TREE.prefix(),
          IndexFile.PREFIX,
          RestorePoint.PREFIX,
          AuditLog.PREFIX);

  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--dry-run", description = "Say what would be recovered; change nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  /**
   * The command's result as {@code --json} prints it.
   *
   * @param recovery the counts
   * @param objects the objects acted on, at most {@link #LISTED_PER_KIND} of each kind
   * @param objectsNotListed objects left out of {@code objects}
   * @param audited whether an audit event records the recovery
   */
  record Result(
      VersionRecovery recovery,
      List<RecoveredObject> objects,
      long objectsNotListed,
      boolean audited) {}

  @Override
  public Integer call() throws Exception {
    VersionRecovery recovery;
    Map<RecoveredObject.Kind, Integer> listed = new EnumMap<>(RecoveredObject.Kind.class);
    List<RecoveredObject> objects = new ArrayList<>();
    long[] notListed = {0};
    try (BlobStore store = repository.openStore()) {
      if (!(store instanceof VersionedBlobStore versioned)) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot recover object versions in repository "
                + store.location()
                + ": this store keeps no versions (only S3 buckets with versioning do)");
      }
      recovery =
          versioned.recoverOriginals(
              RECOVERED_PREFIXES,
              dryRun,
              object -> {
                if (listed.merge(object.kind(), 1, Integer::sum) <= LISTED_PER_KIND) {
                  objects.add(object);
                } else {
                  notListed[0]++;
                }
              });
    } catch (CairnException e) {
      throw e;
    } catch (IOException e) {
      throw new CairnException(ErrorCode.STORAGE_FAILED, e.getMessage(), e);
    }
    boolean audited = !dryRun && recovery.versioned() && audit(recovery);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Output.json(out, new Result(recovery, objects, notListed[0], audited));
    } else {
      print(out, recovery, objects, notListed[0]);
    }
    return recovery.unrecoverable() > 0 ? ErrorCode.DAMAGED_DATA.exitStatus() : 0;
  }

  /**
   * Records the recovery in the repository's audit trail, now that its config and key slots are
   * current again; a repository that still cannot be opened gets a warning instead, because the
   * recovery itself has happened.
   */
  private boolean audit(VersionRecovery recovery) {
    try (Repository opened = repository.openUncached()) {
      opened
          .audit()
          .record(
              "recover-versions",
              Map.of(
                  "markersRemoved", String.valueOf(recovery.markersRemoved()),
                  "overwritesRemoved", String.valueOf(recovery.overwritesRemoved()),
                  "originalsCopied", String.valueOf(recovery.originalsCopied()),
                  "unrecoverable", String.valueOf(recovery.unrecoverable()),
                  "deleteMarkersDeleted", String.valueOf(recovery.deleteMarkersDeleted()),
                  "foreignVersionsDeleted", String.valueOf(recovery.foreignVersionsDeleted())));
      return true;
    } catch (IOException e) {
      spec.commandLine()
          .getErr()
          .println(
              "cairn: warning: the recovery is not in the audit trail: "
                  + e.getMessage().replace('\n', ' '));
      return false;
    }
  }

  static void print(
      PrintWriter out,
      VersionRecovery recovery,
      List<RecoveredObject> objects,
      long objectsNotListed) {
    if (!recovery.versioned()) {
      out.printf(
          "The bucket of %s does not keep object versions: nothing can be hidden there, nothing"
              + " to recover.%n",
          recovery.location());
      return;
    }
    String would = recovery.dryRun() ? "would be " : "";
    out.printf(
        Locale.ROOT,
        "Examined %d object(s) of %s (locks/ left alone).%n",
        recovery.objectsExamined(),
        recovery.location());
    for (RecoveredObject object : objects) {
      out.printf(
          Locale.ROOT, "  %s %s: %s%n", label(object.kind()), object.name(), object.detail());
    }
    if (objectsNotListed > 0) {
      out.printf(
          Locale.ROOT, "  ... and %d more (the counts below are complete)%n", objectsNotListed);
    }
    out.printf(
        Locale.ROOT,
        "Hidden under delete markers, %srecovered: %d. Overwritten, foreign versions %sdeleted: %d."
            + " Over a retained foreign version, original %scopied back: %d.%n",
        would,
        recovery.markersRemoved(),
        would,
        recovery.overwritesRemoved(),
        would,
        recovery.originalsCopied());
    out.printf(
        Locale.ROOT,
        "Delete markers %sremoved: %d, foreign versions %sdeleted: %d. Could not recover: %d.%s%n",
        would,
        recovery.deleteMarkersDeleted(),
        would,
        recovery.foreignVersionsDeleted(),
        recovery.unrecoverable(),
        recovery.dryRun() ? " Dry run: nothing was changed." : "");
  }

  private static String label(RecoveredObject.Kind kind) {
    return switch (kind) {
      case MARKERS_REMOVED -> "unhidden";
      case OVERWRITE_REMOVED -> "overwrite removed";
      case ORIGINAL_COPIED -> "original copied back";
      case UNRECOVERABLE -> "NOT RECOVERED";
    };
  }
}
