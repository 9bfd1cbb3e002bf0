package dev.cairn.qemu.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.qemu.block.DirtyBitmap;
import dev.cairn.qemu.block.QemuDisk;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The checkpoint decisions, on hand-made disks: every doubt gives a full backup with a reason. */
class CheckpointPlanTest {
  private static final String SUBJECT = "disk vda of QEMU at /run/vm.sock";

  private static DirtyBitmap recording(String name) {
    return new DirtyBitmap(name, true, false, true, false, 65536, 0);
  }

  private static DirtyBitmap frozen(String name) {
    return new DirtyBitmap(name, false, false, true, false, 65536, 0);
  }

  private static DirtyBitmap inconsistent(String name) {
    return new DirtyBitmap(name, false, false, true, true, 65536, 0);
  }

  private static DirtyBitmap busy(String name) {
    return new DirtyBitmap(name, false, true, true, false, 65536, 0);
  }

  private static QemuDisk disk(String format, DirtyBitmap... bitmaps) {
    return new QemuDisk(
        "vda",
        "vda-format",
        Optional.empty(),
        Optional.empty(),
        format,
        1 << 30,
        false,
        List.of(bitmaps));
  }

  private static CheckpointPlan plan(QemuDisk disk, String previous) throws QemuBackupException {
    return CheckpointPlan.decide(disk, Optional.ofNullable(previous), SUBJECT);
  }

  @Test
  void withoutPreviousCheckpointTheBackupIsFullAndOldCairnBitmapsGo() throws Exception {
    CheckpointPlan plan =
        plan(disk("qcow2", recording("cairn-old"), recording("user-bitmap")), null);
    assertThat(plan.base()).isEmpty();
    assertThat(plan.fullReason()).contains("no previous checkpoint");
    assertThat(plan.remove()).containsExactly("cairn-old");
    assertThat(plan.warnings()).singleElement().asString().contains(SUBJECT, "cairn-old");
  }

  @Test
  void aRecordingCheckpointGivesAnIncremental() throws Exception {
    CheckpointPlan plan =
        plan(
            disk("qcow2", recording("cairn-a"), frozen("cairn-stale"), recording("user")),
            "cairn-a");
    assertThat(plan.base()).contains("cairn-a");
    assertThat(plan.fullReason()).isEmpty();
    assertThat(plan.mergeIntoBase()).isEmpty();
    assertThat(plan.enableBase()).isFalse();
    assertThat(plan.remove()).containsExactly("cairn-stale");
  }

  @Test
  void aMissingCheckpointGivesAFullSayingWhy() throws Exception {
    assertThat(plan(disk("qcow2"), "cairn-a").fullReason())
        .hasValueSatisfying(
            r -> assertThat(r).contains("cairn-a not found on node vda-format", "restarted"));
    assertThat(plan(disk("raw"), "cairn-a").fullReason())
        .hasValueSatisfying(r -> assertThat(r).contains("a raw image keeps no bitmaps"));
  }

  @Test
  void anInconsistentCheckpointGivesAFullAndIsRemoved() throws Exception {
    CheckpointPlan plan = plan(disk("qcow2", inconsistent("cairn-a")), "cairn-a");
    assertThat(plan.base()).isEmpty();
    assertThat(plan.fullReason())
        .hasValueSatisfying(r -> assertThat(r).contains("cairn-a", "inconsistent"));
    assertThat(plan.remove()).containsExactly("cairn-a");
  }

  @Test
  void aCheckpointFrozenByAnInterruptedSessionTakesOverItsSuccessor() throws Exception {
    CheckpointPlan plan =
        plan(
            disk("qcow2", frozen("cairn-a"), recording("cairn-b"), inconsistent("cairn-c")),
            "cairn-a");
    assertThat(plan.base()).contains("cairn-a");
    assertThat(plan.mergeIntoBase()).containsExactly("cairn-b");
    assertThat(plan.enableBase()).isTrue();
    assertThat(plan.remove()).containsExactly("cairn-b", "cairn-c");
    assertThat(plan.warnings()).anyMatch(w -> w.contains("left frozen by an interrupted backup"));
  }

  @Test
  void aCheckpointDisabledBysomeoneElseGivesAFull() throws Exception {
    CheckpointPlan plan = plan(disk("qcow2", frozen("cairn-a")), "cairn-a");
    assertThat(plan.base()).isEmpty();
    assertThat(plan.fullReason())
        .hasValueSatisfying(r -> assertThat(r).contains("disabled outside Cairn"));
    assertThat(plan.remove()).containsExactly("cairn-a");
  }

  @Test
  void aBitmapThatIsNotCairnsIsNeverUsedOrRemoved() throws Exception {
    CheckpointPlan plan = plan(disk("qcow2", recording("user")), "user");
    assertThat(plan.base()).isEmpty();
    assertThat(plan.fullReason())
        .hasValueSatisfying(r -> assertThat(r).contains("not a Cairn bitmap"));
    assertThat(plan.remove()).isEmpty();
  }

  @Test
  void aBusyBitmapFailsNamingTheDiskAndTheBitmap() {
    assertThatThrownBy(() -> plan(disk("qcow2", busy("cairn-a")), "cairn-a"))
        .isInstanceOf(QemuBackupException.class)
        .hasMessage(
            "Cannot back up disk vda of QEMU at /run/vm.sock: bitmap cairn-a is in use by another"
                + " job or export (another backup running?)");
    assertThatThrownBy(() -> plan(disk("qcow2", recording("cairn-a"), busy("cairn-b")), "cairn-a"))
        .hasMessageContaining("bitmap cairn-b is in use");
  }
}
