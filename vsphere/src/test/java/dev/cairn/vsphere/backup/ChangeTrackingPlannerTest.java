package dev.cairn.vsphere.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChangeTrackingPlannerTest {
  private static final String EPOCH = "52 de c0 d9 98 ae 2e da-b7 74 e6 c8 ca 9e 4f c5";
  private static final Optional<String> PREVIOUS = Optional.of("8cf31c98");

  private static TrackedDisk disk(String uuid, long capacity, String changeId) {
    return new TrackedDisk(2000, Optional.ofNullable(uuid), capacity, ChangeId.parse(changeId));
  }

  private static DiskReadPlan plan(TrackedDisk now, TrackedDisk before) {
    return ChangeTrackingPlanner.plan("disk 0", now, Optional.ofNullable(before), PREVIOUS);
  }

  @Test
  void aNewerIdOfTheSameEpochOnTheSameDiskGivesAnIncrementalSinceTheRecordedId() {
    DiskReadPlan plan =
        plan(disk("u1", 1 << 30, EPOCH + "/15"), disk("u1", 1 << 30, EPOCH + "/14"));

    assertThat(plan).isEqualTo(new DiskReadPlan.Incremental(ChangeId.parse(EPOCH + "/14").get()));
    assertThat(plan.warning()).isEmpty();
  }

  @Test
  void theFirstBackupIsFullWithoutAWarning() {
    DiskReadPlan plan =
        ChangeTrackingPlanner.plan(
            "disk 0", disk("u1", 1 << 30, EPOCH + "/1"), Optional.empty(), Optional.empty());

    assertThat(plan).isEqualTo(new DiskReadPlan.Full(Optional.empty()));
  }

  @Test
  void everyReasonToDistrustTrackingGivesAFullReadNamingTheReason() {
    TrackedDisk before = disk("u1", 1 << 30, EPOCH + "/14");

    assertThat(
            ChangeTrackingPlanner.plan(
                    "disk 0", disk("u1", 1 << 30, EPOCH + "/15"), Optional.empty(), PREVIOUS)
                .warning())
        .hasValueSatisfying(w -> assertThat(w).contains("disk 0", "not in restore point 8cf31c98"));
    assertThat(plan(disk("u1", 1 << 30, null), before).warning())
        .hasValueSatisfying(w -> assertThat(w).contains("no change id"));
    assertThat(plan(disk("u2", 1 << 30, EPOCH + "/15"), before).warning())
        .hasValueSatisfying(w -> assertThat(w).contains("replaced"));
    assertThat(plan(disk("u1", 2L << 30, EPOCH + "/15"), before).warning())
        .hasValueSatisfying(w -> assertThat(w).contains("resized from 1073741824 to 2147483648"));
    assertThat(plan(disk("u1", 1 << 30, EPOCH + "/15"), disk("u1", 1 << 30, null)).warning())
        .hasValueSatisfying(w -> assertThat(w).contains("recorded no change id"));
    assertThat(plan(disk("u1", 1 << 30, "52 aa bb-cc/3"), before).warning())
        .hasValueSatisfying(w -> assertThat(w).contains("reset", EPOCH + "/14", "52 aa bb-cc/3"));
    assertThat(plan(disk("u1", 1 << 30, EPOCH + "/9"), before).warning())
        .hasValueSatisfying(w -> assertThat(w).contains("went back", "reverted"));
    assertThat(plan(disk("u1", 1 << 30, EPOCH + "/14"), before).warning())
        .hasValueSatisfying(w -> assertThat(w).contains("went back"));
  }

  @Test
  void aMissingUuidOnEitherSideIsNotTakenForAReplacedDisk() {
    DiskReadPlan plan =
        plan(disk(null, 1 << 30, EPOCH + "/15"), disk("u1", 1 << 30, EPOCH + "/14"));

    assertThat(plan).isInstanceOf(DiskReadPlan.Incremental.class);
  }

  @Test
  void changeIdsParseIntoEpochAndSequenceAndStarOrBlankNameNoState() {
    ChangeId id = ChangeId.parse(" " + EPOCH + "/14 ").get();

    assertThat(id.epoch()).isEqualTo(EPOCH);
    assertThat(id.sequence()).isEqualTo(14);
    assertThat(id.text()).isEqualTo(EPOCH + "/14");
    assertThat(ChangeId.parse("*")).isEmpty();
    assertThat(ChangeId.parse("")).isEmpty();
    assertThat(ChangeId.parse(null)).isEmpty();
    assertThat(ChangeId.parse("opaque").get().sequence()).isEqualTo(-1);
    assertThat(ChangeId.parse("a/b/x").get().epoch()).isEqualTo("a/b");
  }

  @Test
  void idsWithoutASequenceOfTheSameEpochAreTrusted() {
    DiskReadPlan plan = plan(disk("u1", 1 << 30, "opaque"), disk("u1", 1 << 30, "opaque"));

    assertThat(plan).isInstanceOf(DiskReadPlan.Incremental.class);
  }
}
