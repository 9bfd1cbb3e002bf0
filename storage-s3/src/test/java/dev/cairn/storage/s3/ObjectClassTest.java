package dev.cairn.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.storage.s3.ObjectClass.Restore;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** HeadObject's {@code x-amz-storage-class} and {@code x-amz-restore}, as AWS documents them. */
class ObjectClassTest {

  @Test
  void noStorageClassHeaderIsStandardAndOnline() {
    ObjectClass found = ObjectClass.of(null, null);

    assertThat(found)
        .isEqualTo(new ObjectClass(StorageClass.STANDARD, Restore.NONE, Optional.empty()));
    assertThat(found.readable()).isTrue();
  }

  @Test
  void glacierWithoutARestoreIsOffline() {
    ObjectClass found = ObjectClass.of("GLACIER", null);

    assertThat(found.restore()).isEqualTo(Restore.NONE);
    assertThat(found.readable()).isFalse();
    assertThat(ObjectClass.of("DEEP_ARCHIVE", null).readable()).isFalse();
  }

  @Test
  void anOngoingRequestIsARestoreInProgress() {
    ObjectClass found = ObjectClass.of("DEEP_ARCHIVE", "ongoing-request=\"true\"");

    assertThat(found.restore()).isEqualTo(Restore.IN_PROGRESS);
    assertThat(found.readable()).isFalse();
  }

  @Test
  void aFinishedRequestIsAReadableCopyUntilItsExpiry() {
    ObjectClass found =
        ObjectClass.of(
            "GLACIER", "ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\"");

    assertThat(found.restore()).isEqualTo(Restore.RESTORED);
    assertThat(found.restoredUntil()).contains(Instant.parse("2012-12-21T00:00:00Z"));
    assertThat(found.readable()).isTrue();
    assertThat(
            ObjectClass.of("GLACIER", "ongoing-request=\"false\", expiry-date=\"soon\"")
                .restoredUntil())
        .isEmpty();
  }

  @Test
  void onlineClassesIgnoreRestoreHeaders() {
    assertThat(ObjectClass.of("GLACIER_IR", "ongoing-request=\"true\""))
        .isEqualTo(new ObjectClass(StorageClass.GLACIER_IR, Restore.NONE, Optional.empty()));
    assertThat(ObjectClass.of("STANDARD_IA", null).readable()).isTrue();
    assertThat(StorageClass.GLACIER_IR.offline()).isFalse();
    assertThat(StorageClass.GLACIER.offline()).isTrue();
  }
}
