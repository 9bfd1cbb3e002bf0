package dev.cairn.qemu.backup;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.qemu.qmp.QmpClient;
import dev.cairn.qemu.qmp.QmpException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The asynchronous block-layer commands a session uses, each turned into a call that returns once
 * QEMU has finished: jobs run to their end, exports and jobs are gone. QEMU's events wake the waits
 * early; the state is always confirmed by querying, so a lost event only costs a poll interval.
 */
final class QemuBlockLayer {
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Set<String> WAKE_UPS = Set.of("JOB_STATUS_CHANGE", "BLOCK_EXPORT_DELETED");

  private final QmpClient qmp;
  private final Duration timeout;

  QemuBlockLayer(QmpClient qmp, Duration timeout) {
    this.qmp = qmp;
    this.timeout = timeout;
  }

  QmpClient qmp() {
    return qmp;
  }

  /** The state of each job by id ({@code running}, {@code concluded}...). */
  Map<String, JsonNode> jobs() throws QmpException {
    Map<String, JsonNode> jobs = new HashMap<>();
    qmp.execute("query-jobs").forEach(job -> jobs.put(job.path("id").asText(), job));
    return jobs;
  }

  /** The ids of the block exports, with the node each serves. */
  Map<String, String> exports() throws QmpException {
    Map<String, String> exports = new HashMap<>();
    qmp.execute("query-block-exports")
        .forEach(e -> exports.put(e.path("id").asText(), e.path("node-name").asText()));
    return exports;
  }

  /**
   * Runs a job-starting command (with {@code job-id} among its arguments), waits for the job to
   * conclude and dismisses it.
   *
   * @return the job's error, empty when it succeeded
   */
  Optional<String> runJob(String jobId, String command, Map<String, ?> arguments)
      throws QmpException, QemuBackupException {
    qmp.execute(command, arguments);
    awaitJob(jobId, "finish job " + jobId);
    JsonNode job = jobs().get(jobId);
    Optional<String> error =
        Optional.ofNullable(job).map(j -> j.path("error").asText(null)).filter(e -> !e.isEmpty());
    if (job != null) {
      qmp.execute("job-dismiss", Map.of("id", jobId));
    }
    return error;
  }

  /** Cancels a job unless it already ended, and waits until it is gone. */
  void endJob(String jobId) throws QmpException, QemuBackupException {
    JsonNode job = jobs().get(jobId);
    if (job == null) {
      return;
    }
    String status = job.path("status").asText();
    if (!status.equals("concluded") && !status.equals("null") && !status.equals("aborting")) {
      qmp.execute("job-cancel", Map.of("id", jobId));
    }
    awaitJob(jobId, "cancel job " + jobId);
    if (jobs().containsKey(jobId)) {
      qmp.execute("job-dismiss", Map.of("id", jobId));
    }
  }

  /** Deletes an export, disconnecting its clients, and waits until it is gone. */
  void deleteExport(String exportId) throws QmpException, QemuBackupException {
    if (!exports().containsKey(exportId)) {
      return;
    }
    qmp.execute("block-export-del", Map.of("id", exportId, "mode", "hard"));
    awaitGone("delete export " + exportId, () -> !exports().containsKey(exportId));
  }

  private void awaitJob(String jobId, String what) throws QmpException, QemuBackupException {
    awaitGone(
        what,
        () -> {
          JsonNode job = jobs().get(jobId);
          return job == null || job.path("status").asText().equals("concluded");
        });
  }

  private interface Check {
    boolean holds() throws QmpException;
  }

  private void awaitGone(String what, Check done) throws QmpException, QemuBackupException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.holds()) {
      if (System.nanoTime() > deadline) {
        throw new QemuBackupException(
            "Cannot "
                + what
                + " on QEMU at "
                + qmp.socket()
                + ": not done within "
                + timeout.toSeconds()
                + " s");
      }
      qmp.awaitEvent(event -> WAKE_UPS.contains(event.name()), POLL);
    }
  }
}
