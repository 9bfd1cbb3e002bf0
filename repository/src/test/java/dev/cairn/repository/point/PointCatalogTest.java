package dev.cairn.repository.point;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Json;
import dev.cairn.repository.crypto.Envelope;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.repository.crypto.ObjectCipher;
import dev.cairn.storage.ObjectExistsException;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PointCatalogTest {
  private final MemoryBlobStore store = new MemoryBlobStore();
  private final Envelope envelope =
      new Envelope(new ObjectCipher(MasterKey.generate(new SecureRandom())), new SecureRandom());
  private final PointCatalog catalog = new PointCatalog(store, envelope);

  private static RestorePoint point(String id, Instant time) {
    return new RestorePoint(
        1,
        id,
        new VmIdentity("web-01", "4c4c4544-0042"),
        time,
        "backup-host",
        new SourceDescription("file", "/images/web-01.img"),
        List.of("nightly"),
        null,
        List.of(
            new DiskImage(
                "disk0.img",
                "/images/web-01.img",
                21_474_836_481L,
                65536,
                "ab".repeat(32),
                Map.of("changeId", "52 3f 1a/17")),
            new DiskImage("empty.img", "/images/empty.img", 1 << 20, 65536, null, Map.of())),
        new PointStatistics(65536, 45, 1, 1, 0, 320, 29, 65536, 0.07, true, 310),
        List.of("an incremental fell back to a full"));
  }

  private static String randomId(SplittableRandom random) {
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < 32; i++) {
      id.append(Character.forDigit(random.nextInt(16), 16));
    }
    return id.toString();
  }

  @Test
  void aCommittedPointReadsBackEqualFieldByField() throws Exception {
    RestorePoint point =
        point("8cf31c98815f555c7d21096525cd83b9", Instant.parse("2026-11-24T20:04:07.123456789Z"));

    catalog.commit(point);

    assertThat(catalog.names()).containsExactly("points/8cf31c98815f555c7d21096525cd83b9");
    assertThat(catalog.read(point.objectName())).isEqualTo(point);
    assertThat(point.shortId()).isEqualTo("8cf31c98");
    assertThat(point.totalSizeBytes()).isEqualTo(21_474_836_481L + (1 << 20));
    assertThat(point.disks().getFirst().blockCount()).isEqualTo(327_681);
  }

  @Test
  void aVmConfigurationReadsBackEqualAndAPointWithoutOneHasNone() throws Exception {
    RestorePoint plain = point("8cf31c98815f555c7d21096525cd83b9", Instant.now());
    RestorePoint withConfiguration =
        new RestorePoint(
            1,
            "9cf31c98815f555c7d21096525cd83b9",
            plain.vm(),
            plain.time(),
            plain.host(),
            new SourceDescription("vsphere", "https://vcenter/sdk vm-42"),
            plain.tags(),
            null,
            plain.disks(),
            plain.statistics(),
            plain.warnings(),
            new VmConfiguration(
                "vsphere",
                4,
                2,
                8192,
                "efi",
                "ubuntu64Guest",
                List.of(new VmConfiguration.Controller(1000, "pvscsi", 0, "noSharing")),
                List.of(
                    new VmConfiguration.DiskSlot(
                        0, 2000, 1000, 0, 21_474_836_481L, true, "[ds1] web-01/web-01.vmdk"),
                    new VmConfiguration.DiskSlot(
                        1, 2001, 1000, 1, 1 << 20, false, "[ds1] web-01/web-01_1.vmdk")),
                List.of(
                    new VmConfiguration.Nic(
                        "Network adapter 1", "vmxnet3", "VM Network", "00:50:56:aa:bb:cc", false)),
                Map.of("vsphere.hardwareVersion", "vmx-19")));

    catalog.commit(plain);
    catalog.commit(withConfiguration);

    assertThat(catalog.read(withConfiguration.objectName())).isEqualTo(withConfiguration);
    assertThat(catalog.read(plain.objectName()).configuration()).isNull();
  }

  @Test
  void theManifestIsEncryptedAtRest() throws Exception {
    RestorePoint point = point("8cf31c98815f555c7d21096525cd83b9", Instant.now());

    catalog.commit(point);

    String stored =
        new String(store.read(point.objectName()), java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(stored).startsWith("CRNM").doesNotContain("web-01").doesNotContain("nightly");
  }

  @Test
  void aPointIsCommittedOnceAndNeverOverwritten() throws Exception {
    RestorePoint point =
        point("8cf31c98815f555c7d21096525cd83b9", Instant.parse("2026-01-01T00:00:00Z"));
    catalog.commit(point);
    RestorePoint other = point(point.id(), Instant.parse("2027-01-01T00:00:00Z"));

    assertThatThrownBy(() -> catalog.commit(other)).isInstanceOf(ObjectExistsException.class);

    assertThat(catalog.read(point.objectName())).isEqualTo(point);
  }

  @Test
  void allReturnsEveryPointOldestFirst() throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    List<RestorePoint> points = new ArrayList<>();
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < 30; i++) {
      points.add(point(randomId(random), start.plusSeconds(3600L * i)));
    }
    List<RestorePoint> shuffled = new ArrayList<>(points);
    Collections.shuffle(shuffled, new java.util.Random(2));
    for (RestorePoint point : shuffled) {
      catalog.commit(point);
    }

    assertThat(catalog.all()).containsExactlyElementsOf(points);
  }

  @Test
  void pointsOfTheSameTimeAreOrderedById() throws Exception {
    Instant time = Instant.parse("2026-01-01T00:00:00Z");
    RestorePoint b = point("b".repeat(32), time);
    RestorePoint a = point("a".repeat(32), time);
    catalog.commit(b);
    catalog.commit(a);

    assertThat(catalog.all()).containsExactly(a, b);
  }

  @Test
  void allFailsNamingADamagedManifest() throws Exception {
    RestorePoint good = point("a".repeat(32), Instant.now());
    RestorePoint bad = point("b".repeat(32), Instant.now());
    catalog.commit(good);
    catalog.commit(bad);
    byte[] bytes = store.read(bad.objectName());
    bytes[50] ^= 1;
    store.replaceForTesting(bad.objectName(), bytes);

    DamagedObjectException thrown =
        catchThrowableOfType(DamagedObjectException.class, catalog::all);

    assertThat(thrown.objectName()).isEqualTo(bad.objectName());
    assertThat(catalog.read(good.objectName())).isEqualTo(good);
  }

  @Test
  void findAcceptsTheFullIdOrAUniquePrefix() throws Exception {
    RestorePoint first = point("abcd1111" + "0".repeat(24), Instant.now());
    RestorePoint second = point("abcd2222" + "0".repeat(24), Instant.now());
    catalog.commit(first);
    catalog.commit(second);

    assertThat(catalog.find(first.id())).isEqualTo(first);
    assertThat(catalog.find("abcd1")).isEqualTo(first);
    assertThat(catalog.find("abcd2222")).isEqualTo(second);
  }

  @Test
  void anAmbiguousPrefixIsRefusedSayingHowManyMatch() throws Exception {
    catalog.commit(point("abcd1111" + "0".repeat(24), Instant.now()));
    catalog.commit(point("abcd2222" + "0".repeat(24), Instant.now()));

    CairnException thrown = catchThrowableOfType(CairnException.class, () -> catalog.find("abcd"));

    assertThat(thrown.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(thrown).hasMessageContaining("abcd").hasMessageContaining("2 points match");
  }

  @Test
  void aPrefixMatchingNothingIsRefusedNamingTheRepository() throws Exception {
    catalog.commit(point("abcd1111" + "0".repeat(24), Instant.now()));

    CairnException thrown = catchThrowableOfType(CairnException.class, () -> catalog.find("abce"));

    assertThat(thrown.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(thrown).hasMessageContaining("no such point").hasMessageContaining(store.location());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "ABCD", "abcg", "../../x", "abcd*"})
  void aPrefixOfFewerThanFourHexDigitsIsRefused(String prefix) throws Exception {
    catalog.commit(point("abcd1111" + "0".repeat(24), Instant.now()));

    CairnException thrown = catchThrowableOfType(CairnException.class, () -> catalog.find(prefix));

    assertThat(thrown.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(thrown).hasMessageContaining("at least 4 hex digits");
  }

  @Test
  void aManifestCopiedUnderAnotherNameIsRejected() throws Exception {
    RestorePoint point = point("a".repeat(32), Instant.now());
    catalog.commit(point);
    String copy = RestorePoint.PREFIX + "b".repeat(32);
    store.create(copy, store.read(point.objectName()));

    DamagedObjectException thrown =
        catchThrowableOfType(DamagedObjectException.class, () -> catalog.read(copy));

    assertThat(thrown.objectName()).isEqualTo(copy);
    assertThatThrownBy(() -> catalog.find("bbbb")).isInstanceOf(DamagedObjectException.class);
  }

  @Test
  void aManifestWhoseIdDisagreesWithItsNameIsRejected() throws Exception {
    RestorePoint point = point("a".repeat(32), Instant.now());
    String name = RestorePoint.PREFIX + "b".repeat(32);
    store.create(name, envelope.seal(RestorePoint.MAGIC, name, Json.write(point)));

    assertThatThrownBy(() -> catalog.read(name))
        .isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining("manifest says it is " + point.objectName());
  }

  @Test
  void aManifestOfAnotherRepositoryIsRejected() throws Exception {
    RestorePoint point = point("a".repeat(32), Instant.now());
    new PointCatalog(
            store,
            new Envelope(
                new ObjectCipher(MasterKey.generate(new SecureRandom())), new SecureRandom()))
        .commit(point);

    assertThatThrownBy(() -> catalog.read(point.objectName()))
        .isInstanceOf(DamagedObjectException.class);
  }

  @Test
  void deleteRemovesThePoint() throws Exception {
    RestorePoint kept = point("a".repeat(32), Instant.now());
    RestorePoint deleted = point("b".repeat(32), Instant.now());
    catalog.commit(kept);
    catalog.commit(deleted);

    catalog.delete(deleted);

    assertThat(catalog.names()).containsExactly(kept.objectName());
    assertThat(catalog.all()).containsExactly(kept);
  }

  @Test
  void anEmptyCatalogHasNoPoints() throws Exception {
    assertThat(catalog.all()).isEmpty();
    assertThat(catalog.names()).isEmpty();
  }
}
