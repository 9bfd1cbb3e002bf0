package dev.cairn.repository.keys;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Json;
import dev.cairn.repository.crypto.MasterKey;
import dev.cairn.storage.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The key slots of a repository ({@code keys/}): adds, lists, removes them and finds the master key
 * with a password. Adding or removing a password never touches data, because data is encrypted
 * under the master key, which never changes.
 */
public final class KeyRing {
  public static final String PREFIX = "keys/";

  private final BlobStore store;
  private final SecureRandom random;
  private final Clock clock;
  private final String repositoryId;

  public KeyRing(BlobStore store, String repositoryId, SecureRandom random, Clock clock) {
    this.store = store;
    this.repositoryId = repositoryId;
    this.random = random;
    this.clock = clock;
  }

  /** Writes a new slot that opens {@code masterKey} with {@code password}; returns it. */
  public KeySlot add(MasterKey masterKey, char[] password, KdfParameters kdf, String label)
      throws IOException {
    byte[] idBytes = new byte[16];
    random.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    byte[] salt = new byte[16];
    byte[] nonce = new byte[12];
    random.nextBytes(salt);
    random.nextBytes(nonce);
    byte[] wrappingKey = derive(password, salt, kdf);
    byte[] wrapped;
    try {
      wrapped = crypt(Cipher.ENCRYPT_MODE, wrappingKey, nonce, id, masterKey.toBytes());
    } catch (AEADBadTagException e) {
      throw new IllegalStateException("Encryption cannot fail authentication", e);
    }
    Base64.Encoder base64 = Base64.getEncoder();
    KeySlot slot =
        new KeySlot(
            id,
            repositoryId,
            kdf,
            base64.encodeToString(salt),
            base64.encodeToString(nonce),
            base64.encodeToString(wrapped),
            clock.instant(),
            label);
    store.create(PREFIX + id, Json.write(slot));
    return slot;
  }

  public List<KeySlot> list() throws IOException {
    List<String> names = new ArrayList<>();
    store.list(PREFIX, info -> names.add(info.name()));
    List<KeySlot> slots = new ArrayList<>();
    for (String name : names) {
      slots.add(Json.read(store.read(name), KeySlot.class, name));
    }
    return slots;
  }

  /**
   * The slots that can be read; a damaged slot is skipped (reported to {@code onDamage}) so that
   * one corrupt key file cannot lock out the passwords of the others.
   */
  List<KeySlot> readable(java.util.function.Consumer<String> onDamage) throws IOException {
    List<String> names = new ArrayList<>();
    store.list(PREFIX, info -> names.add(info.name()));
    List<KeySlot> slots = new ArrayList<>();
    for (String name : names) {
      try {
        KeySlot slot = Json.read(store.read(name), KeySlot.class, name);
        if (slot.id() == null
            || slot.kdf() == null
            || slot.salt() == null
            || slot.nonce() == null
            || slot.wrappedKey() == null) {
          throw new dev.cairn.repository.DamagedObjectException(name, "incomplete key slot");
        }
        slots.add(slot);
      } catch (dev.cairn.repository.DamagedObjectException | IllegalArgumentException e) {
        onDamage.accept(name + " (" + e.getMessage() + ")");
      } catch (dev.cairn.storage.NoSuchObjectException removedMeanwhile) {
        // removed while we listed
      }
    }
    return slots;
  }

  /**
   * Refuses, before anything changes, to go on with removing slot {@code id} if the store retains
   * it (an immutable repository keeps its key slots as long as it is maintained).
   *
   * @throws CairnException naming the slot and the date
   */
  public void requireRemovable(String id) throws IOException {
    if (store instanceof dev.cairn.storage.RetainingBlobStore retaining) {
      var retention = retaining.retention(PREFIX + id);
      if (retention.isPresent() && retention.get().protectsAt(clock.instant())) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot remove key "
                + id
                + ": the repository is immutable and retains its key slots (this one until "
                + retention.get().retainUntil()
                + "); to retire a password, copy the points to a new repository");
      }
    }
  }

  /**
   * Removes slot {@code id}.
   *
   * @throws CairnException if it is the last slot (the repository would become unreadable), or the
   *     store retains it ({@link #requireRemovable})
   */
  public void remove(String id) throws IOException {
    List<KeySlot> slots = list();
    if (slots.stream().noneMatch(slot -> slot.id().equals(id))) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot remove key " + id + ": no such key slot");
    }
    if (slots.size() == 1) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot remove key "
              + id
              + ": it is the last one and the repository would be unreadable");
    }
    requireRemovable(id);
    store.delete(PREFIX + id);
  }

  /** The master key and the slot that opened it. */
  public record Unlocked(MasterKey masterKey, KeySlot slot) {}

  /**
   * Tries every slot with {@code password}.
   *
   * @throws CairnException with {@link ErrorCode#WRONG_PASSWORD} if none opens
   */
  public Unlocked unlock(char[] password) throws IOException {
    List<String> damaged = new ArrayList<>();
    List<KeySlot> slots = readable(damaged::add);
    if (slots.isEmpty()) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository "
              + store.location()
              + (damaged.isEmpty()
                  ? ": it has no key slots"
                  : ": it has no readable key slots (damaged: "
                      + String.join(", ", damaged)
                      + ")"));
    }
    Base64.Decoder base64 = Base64.getDecoder();
    for (KeySlot slot : slots) {
      if (!repositoryId.equals(slot.repositoryId())) {
        continue;
      }
      try {
        byte[] wrappingKey =
            EarlyDerivation.take(slot, password)
                .orElseGet(() -> derive(password, base64.decode(slot.salt()), slot.kdf()));
        byte[] material =
            crypt(
                Cipher.DECRYPT_MODE,
                wrappingKey,
                base64.decode(slot.nonce()),
                slot.id(),
                base64.decode(slot.wrappedKey()));
        return new Unlocked(MasterKey.fromBytes(material), slot);
      } catch (AEADBadTagException wrongPassword) {
        // try the next slot
      } catch (IllegalArgumentException malformed) {
        damaged.add(PREFIX + slot.id() + " (" + malformed.getMessage() + ")");
      }
    }
    throw new CairnException(
        ErrorCode.WRONG_PASSWORD,
        "Cannot open repository "
            + store.location()
            + ": wrong password (no key slot matches)"
            + (damaged.isEmpty()
                ? ""
                : "; damaged key slots skipped: " + String.join(", ", damaged)));
  }

  static byte[] derive(char[] password, byte[] salt, KdfParameters kdf) {
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withSalt(salt)
            .withMemoryAsKB(kdf.memoryKib())
            .withIterations(kdf.iterations())
            .withParallelism(kdf.parallelism())
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] key = new byte[32];
    generator.generateBytes(password, key);
    return key;
  }

  private static byte[] crypt(int mode, byte[] key, byte[] nonce, String slotId, byte[] input)
      throws AEADBadTagException {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      cipher.updateAAD(slotId.getBytes(StandardCharsets.US_ASCII));
      return cipher.doFinal(input);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }
}
