package dev.cairn.repository.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.repository.testing.MutableClock;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class EarlyDerivationTest {
  private static final KdfParameters CHEAP = KdfParameters.of(64, 1);
  private static final String REPOSITORY = "0123456789abcdef0123456789abcdef";

  private final MemoryBlobStore store = new MemoryBlobStore();
  private final SecureRandom random = new SecureRandom();
  private final KeyRing ring =
      new KeyRing(
          store, REPOSITORY, random, new MutableClock(Instant.parse("2026-01-02T03:04:05Z")));
  private final MasterKey masterKey = MasterKey.generate(random);

  @Test
  void aKeyDerivedEarlyIsTheKeyOfThatSlotAndPasswordAndIsTakenOnce() throws Exception {
    KeySlot slot = ring.add(masterKey, "hunter2".toCharArray(), CHEAP, "laptop");

    EarlyDerivation.start(store, () -> REPOSITORY, "hunter2".toCharArray());

    byte[] expected =
        KeyRing.derive("hunter2".toCharArray(), Base64.getDecoder().decode(slot.salt()), CHEAP);
    assertThat(EarlyDerivation.take(slot, "hunter2".toCharArray())).hasValue(expected);
    assertThat(EarlyDerivation.take(slot, "hunter2".toCharArray())).isEmpty();
  }

  @Test
  void anotherPasswordTakesNothingAndUnlockStillDecidesOnItsOwn() throws Exception {
    KeySlot slot = ring.add(masterKey, "hunter2".toCharArray(), CHEAP, "laptop");

    EarlyDerivation.start(store, () -> REPOSITORY, "guess".toCharArray());
    assertThat(EarlyDerivation.take(slot, "hunter2".toCharArray())).isEmpty();

    // Derived early from the wrong password: unlock with the right one still opens...
    EarlyDerivation.start(store, () -> REPOSITORY, "guess".toCharArray());
    assertThat(ring.unlock("hunter2".toCharArray()).masterKey().toBytes())
        .isEqualTo(masterKey.toBytes());
    // ...and derived early from the right one, a wrong password is still refused.
    EarlyDerivation.start(store, () -> REPOSITORY, "hunter2".toCharArray());
    assertThatThrownBy(() -> ring.unlock("guess".toCharArray()))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("wrong password");
    assertThat(ring.unlock("hunter2".toCharArray()).slot()).isEqualTo(slot);
  }

  @Test
  void aRepositoryThatCannotBeReadLeavesUnlockToReportIt() throws Exception {
    KeySlot slot = ring.add(masterKey, "hunter2".toCharArray(), CHEAP, "laptop");

    EarlyDerivation.start(
        store,
        () -> {
          throw new java.io.IOException("no config");
        },
        "hunter2".toCharArray());

    assertThat(EarlyDerivation.take(slot, "hunter2".toCharArray())).isEmpty();
    assertThat(ring.unlock("hunter2".toCharArray()).slot()).isEqualTo(slot);
  }
}
