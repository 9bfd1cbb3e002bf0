package dev.cairn.repository.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Json;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.repository.testing.MutableClock;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRingTest {
  private static final KdfParameters CHEAP = KdfParameters.of(64, 1);
  private static final String REPOSITORY = "0123456789abcdef0123456789abcdef";

  private final MemoryBlobStore store = new MemoryBlobStore();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-02T03:04:05Z"));
  private final SecureRandom random = new SecureRandom();
  private final KeyRing ring = new KeyRing(store, REPOSITORY, random, clock);
  private final MasterKey masterKey = MasterKey.generate(random);

  private static char[] pw(String password) {
    return password.toCharArray();
  }

  @Test
  void theRightPasswordUnlocksTheMasterKeyAndNamesItsSlot() throws Exception {
    KeySlot slot = ring.add(masterKey, pw("hunter2"), CHEAP, "laptop");

    KeyRing.Unlocked unlocked = ring.unlock(pw("hunter2"));

    assertThat(unlocked.masterKey().toBytes()).isEqualTo(masterKey.toBytes());
    assertThat(unlocked.slot()).isEqualTo(slot);
    assertThat(slot.repositoryId()).isEqualTo(REPOSITORY);
    assertThat(slot.label()).isEqualTo("laptop");
    assertThat(slot.created()).isEqualTo(clock.instant());
    assertThat(slot.kdf()).isEqualTo(CHEAP);
    assertThat(slot.id()).matches("[0-9a-f]{32}");
    assertThat(store.stat(KeyRing.PREFIX + slot.id())).isPresent();
  }

  @Test
  void aRingOverTheSameStoreUnlocksWhatAnotherRingAdded() throws Exception {
    ring.add(masterKey, pw("hunter2"), CHEAP, "laptop");

    KeyRing other = new KeyRing(store, REPOSITORY, new SecureRandom(), clock);

    assertThat(other.unlock(pw("hunter2")).masterKey().toBytes()).isEqualTo(masterKey.toBytes());
  }

  @Test
  void aWrongPasswordIsWrongPasswordNamingTheRepository() throws Exception {
    ring.add(masterKey, pw("hunter2"), CHEAP, "laptop");

    CairnException thrown =
        catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("hunter3")));

    assertThat(thrown.code()).isEqualTo(ErrorCode.WRONG_PASSWORD);
    assertThat(thrown)
        .hasMessageContaining(store.location())
        .hasMessageContaining("wrong password");
  }

  @Test
  void aRingWithNoSlotsIsUnavailableNotAWrongPassword() {
    CairnException thrown =
        catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("hunter2")));

    assertThat(thrown.code()).isEqualTo(ErrorCode.REPOSITORY_UNAVAILABLE);
    assertThat(thrown).hasMessageContaining("no key slots").hasMessageContaining(store.location());
  }

  @Test
  void aDamagedSlotIsSkippedSoTheOtherPasswordsStillOpen() throws Exception {
    MasterKey key = MasterKey.generate(new java.security.SecureRandom());
    ring.add(key, pw("first"), KdfParameters.of(64, 1), "first");
    store.create(KeyRing.PREFIX + "00000000000000000000000000000000", "{not json".getBytes());

    assertThat(ring.unlock(pw("first")).masterKey().toBytes()).isEqualTo(key.toBytes());
    CairnException wrong =
        catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("other")));
    assertThat(wrong.code()).isEqualTo(ErrorCode.WRONG_PASSWORD);
    assertThat(wrong).hasMessageContaining("keys/00000000000000000000000000000000");
  }

  @Test
  void twoSlotsOpenTheSameMasterKeyEachWithItsOwnPassword() throws Exception {
    KeySlot first = ring.add(masterKey, pw("first password"), CHEAP, "first");
    KeySlot second = ring.add(masterKey, pw("second password"), KdfParameters.of(128, 2), "second");

    KeyRing.Unlocked byFirst = ring.unlock(pw("first password"));
    KeyRing.Unlocked bySecond = ring.unlock(pw("second password"));

    assertThat(byFirst.masterKey().toBytes()).isEqualTo(masterKey.toBytes());
    assertThat(bySecond.masterKey().toBytes()).isEqualTo(masterKey.toBytes());
    assertThat(byFirst.slot().id()).isEqualTo(first.id());
    assertThat(bySecond.slot().id()).isEqualTo(second.id());
    assertThat(bySecond.slot().kdf()).isEqualTo(KdfParameters.of(128, 2));
    assertThat(ring.list())
        .extracting(KeySlot::id)
        .containsExactlyInAnyOrder(first.id(), second.id());
  }

  @Test
  void removingASlotRevokesItsPasswordOnly() throws Exception {
    KeySlot first = ring.add(masterKey, pw("first password"), CHEAP, "first");
    ring.add(masterKey, pw("second password"), CHEAP, "second");

    ring.remove(first.id());

    assertThat(store.stat(KeyRing.PREFIX + first.id())).isEmpty();
    assertThat(
            catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("first password")))
                .code())
        .isEqualTo(ErrorCode.WRONG_PASSWORD);
    assertThat(ring.unlock(pw("second password")).masterKey().toBytes())
        .isEqualTo(masterKey.toBytes());
  }

  @Test
  void removingTheLastSlotIsRefusedAndKeepsIt() throws Exception {
    KeySlot only = ring.add(masterKey, pw("only"), CHEAP, "only");

    CairnException thrown =
        catchThrowableOfType(CairnException.class, () -> ring.remove(only.id()));

    assertThat(thrown.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(thrown).hasMessageContaining(only.id()).hasMessageContaining("last");
    assertThat(ring.unlock(pw("only")).slot().id()).isEqualTo(only.id());
  }

  @Test
  void removingAnUnknownSlotIsRefused() throws Exception {
    ring.add(masterKey, pw("a"), CHEAP, "a");
    ring.add(masterKey, pw("b"), CHEAP, "b");

    assertThatThrownBy(() -> ring.remove("ffffffffffffffffffffffffffffffff"))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("no such key slot");
    assertThat(ring.list()).hasSize(2);
  }

  @Test
  void aSlotOfAnotherRepositoryIsIgnoredEvenWithItsPassword() throws Exception {
    KeyRing foreign = new KeyRing(store, "ffffffffffffffffffffffffffffffff", random, clock);
    MasterKey foreignKey = MasterKey.generate(random);
    foreign.add(foreignKey, pw("shared password"), CHEAP, "foreign");

    assertThat(
            catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("shared password")))
                .code())
        .isEqualTo(ErrorCode.WRONG_PASSWORD);

    ring.add(masterKey, pw("shared password"), CHEAP, "ours");
    assertThat(ring.unlock(pw("shared password")).masterKey().toBytes())
        .isEqualTo(masterKey.toBytes());
    assertThat(foreign.unlock(pw("shared password")).masterKey().toBytes())
        .isEqualTo(foreignKey.toBytes());
  }

  @Test
  void theStoredSlotHoldsTheMasterKeyOnlyWrapped() throws Exception {
    KeySlot slot = ring.add(masterKey, pw("hunter2"), CHEAP, "laptop");
    String json = new String(store.read(KeyRing.PREFIX + slot.id()), StandardCharsets.UTF_8);
    byte[] wrapped = Base64.getDecoder().decode(slot.wrappedKey());

    assertThat(wrapped).hasSize(MasterKey.LENGTH + 16);
    assertThat(json)
        .doesNotContain(HexFormat.of().formatHex(masterKey.toBytes()))
        .doesNotContain(Base64.getEncoder().encodeToString(masterKey.toBytes()))
        .doesNotContain("hunter2");
    assertThat(Base64.getDecoder().decode(slot.salt())).hasSize(16);
    assertThat(Base64.getDecoder().decode(slot.nonce())).hasSize(12);
  }

  @Test
  void aSlotMovedToAnotherIdNoLongerOpens() throws Exception {
    KeySlot slot = ring.add(masterKey, pw("hunter2"), CHEAP, "laptop");
    ObjectNode json = (ObjectNode) Json.MAPPER.readTree(store.read(KeyRing.PREFIX + slot.id()));
    String otherId = "0".repeat(32);
    json.put("id", otherId);
    store.delete(KeyRing.PREFIX + slot.id());
    store.create(KeyRing.PREFIX + otherId, Json.MAPPER.writeValueAsBytes(json));

    assertThat(catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("hunter2"))).code())
        .isEqualTo(ErrorCode.WRONG_PASSWORD);
  }

  @Test
  void aTamperedWrappedKeyIsAWrongPasswordNotADifferentKey() throws Exception {
    KeySlot slot = ring.add(masterKey, pw("hunter2"), CHEAP, "laptop");
    byte[] wrapped = Base64.getDecoder().decode(slot.wrappedKey());
    wrapped[3] ^= 1;
    ObjectNode json = (ObjectNode) Json.MAPPER.readTree(store.read(KeyRing.PREFIX + slot.id()));
    json.put("wrappedKey", Base64.getEncoder().encodeToString(wrapped));
    store.replaceForTesting(KeyRing.PREFIX + slot.id(), Json.MAPPER.writeValueAsBytes(json));

    assertThat(catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("hunter2"))).code())
        .isEqualTo(ErrorCode.WRONG_PASSWORD);
  }

  @Test
  void aSlotWhoseKdfParametersWereChangedNoLongerOpens() throws Exception {
    KeySlot slot = ring.add(masterKey, pw("hunter2"), CHEAP, "laptop");
    ObjectNode json = (ObjectNode) Json.MAPPER.readTree(store.read(KeyRing.PREFIX + slot.id()));
    ((ObjectNode) json.get("kdf")).put("iterations", 2);
    store.replaceForTesting(KeyRing.PREFIX + slot.id(), Json.MAPPER.writeValueAsBytes(json));

    assertThat(catchThrowableOfType(CairnException.class, () -> ring.unlock(pw("hunter2"))).code())
        .isEqualTo(ErrorCode.WRONG_PASSWORD);
  }

  @Test
  void listReturnsEverySlotWithItsFields() throws Exception {
    KeySlot first = ring.add(masterKey, pw("a"), CHEAP, "first");
    clock.advance(java.time.Duration.ofHours(1));
    KeySlot second = ring.add(masterKey, pw("b"), CHEAP, "second");

    List<KeySlot> slots = ring.list();

    assertThat(slots).containsExactlyInAnyOrder(first, second);
    assertThat(second.created()).isAfter(first.created());
  }

  @Test
  void derivationIsDeterministicAndDependsOnPasswordSaltAndParameters() {
    byte[] salt = new byte[16];
    byte[] otherSalt = new byte[16];
    otherSalt[0] = 1;

    byte[] key = KeyRing.derive(pw("pw"), salt, CHEAP);

    assertThat(key).hasSize(32);
    assertThat(KeyRing.derive(pw("pw"), salt, CHEAP)).isEqualTo(key);
    assertThat(KeyRing.derive(pw("pX"), salt, CHEAP)).isNotEqualTo(key);
    assertThat(KeyRing.derive(pw("pw"), otherSalt, CHEAP)).isNotEqualTo(key);
    assertThat(KeyRing.derive(pw("pw"), salt, KdfParameters.of(64, 2))).isNotEqualTo(key);
    assertThat(KeyRing.derive(pw("pw"), salt, KdfParameters.of(128, 1))).isNotEqualTo(key);
  }
}
