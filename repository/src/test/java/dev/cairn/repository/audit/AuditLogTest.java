package dev.cairn.repository.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.repository.DamagedObjectException;
import dev.cairn.repository.crypto.Envelope;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.repository.crypto.ObjectCipher;
import dev.cairn.repository.testing.MutableClock;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditLogTest {
  private final MemoryBlobStore store = new MemoryBlobStore();
  private final SecureRandom random = new SecureRandom();
  private final Envelope envelope =
      new Envelope(new ObjectCipher(MasterKey.generate(random)), random);

  @Test
  void eventsAreEncryptedAndListedOldestFirst() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
    AuditLog log = new AuditLog(store, envelope, clock, random);
    log.record("key.add", Map.of("keySlot", "abc"));
    clock.advance(Duration.ofSeconds(5));
    log.record("prune", Map.of("packsDeleted", "3"));

    List<AuditEvent> events = log.list(damage -> {});

    assertThat(events).extracting(AuditEvent::action).containsExactly("key.add", "prune");
    assertThat(events.get(0).details()).containsEntry("keySlot", "abc");
    assertThat(events.get(1).time()).isEqualTo(Instant.parse("2026-11-24T10:00:05Z"));
    List<String> names = new ArrayList<>();
    store.list(AuditLog.PREFIX, info -> names.add(info.name()));
    assertThat(names).allSatisfy(name -> assertThat(name).startsWith("audit/20261124T10000"));
    for (String name : names) {
      assertThat(new String(store.read(name), java.nio.charset.StandardCharsets.ISO_8859_1))
          .doesNotContain("prune")
          .doesNotContain("keySlot");
    }
  }

  @Test
  void anAlteredEntryIsReportedAndTheOthersStillRead() throws Exception {
    AuditLog log = new AuditLog(store, envelope, new MutableClock(Instant.EPOCH), random);
    log.record("restore", Map.of());
    log.record("forget", Map.of());
    List<String> names = new ArrayList<>();
    store.list(AuditLog.PREFIX, info -> names.add(info.name()));
    names.sort(null);
    byte[] bytes = store.read(names.get(0));
    bytes[bytes.length - 1] ^= 1;
    store.replaceForTesting(names.get(0), bytes);
    List<DamagedObjectException> damage = new ArrayList<>();

    List<AuditEvent> events = log.list(damage::add);

    assertThat(events).hasSize(1);
    assertThat(damage)
        .singleElement()
        .extracting(DamagedObjectException::objectName)
        .isEqualTo(names.get(0));
  }
}
