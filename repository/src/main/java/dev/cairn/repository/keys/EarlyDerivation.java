package dev.cairn.repository.keys;

import dev.cairn.storage.BlobStore;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Key derivations started before the command that needs them has even parsed its arguments.
 *
 * <p>Argon2id (64 MiB, 2 passes) takes about 0.45 s in a fresh JVM, most of it before the JIT has
 * compiled it, and it is the longest step of opening a repository: of {@code cairn export}'s time
 * to first byte above all. A caller that already knows the store and the password (the CLI, from
 * its arguments and environment) starts the derivation for each key slot on a background thread;
 * {@link KeyRing#unlock} then takes the result instead of deriving again, if it was started for the
 * same slot (id, salt, parameters) and the same password. Nothing else changes: a wrong password
 * still fails to unwrap, and without an early start the key is derived as before.
 */
public final class EarlyDerivation {
  private static final Map<String, Started> STARTED = new ConcurrentHashMap<>();

  /** Done once the slots of the latest start are read and their derivations registered. */
  private static volatile CompletableFuture<Void> slotsRead =
      CompletableFuture.completedFuture(null);

  /** A derivation under way, with a digest of the password it was started for. */
  private record Started(byte[] passwordDigest, CompletableFuture<byte[]> key) {}

  private EarlyDerivation() {}

  /**
   * Reads the key slots of the repository in {@code store} (whose id {@code repositoryId} reads)
   * and derives each slot's key from {@code password} on a daemon thread; returns at once. Failures
   * are ignored: the real unlock reads the slots again and reports them.
   */
  public static void start(BlobStore store, Callable<String> repositoryId, char[] password) {
    byte[] digest = digest(password);
    char[] copy = password.clone();
    CompletableFuture<Void> reading = new CompletableFuture<>();
    slotsRead = reading;
    Thread.ofPlatform()
        .daemon()
        .name("cairn-early-kdf")
        .start(
            () -> {
              List<Map.Entry<KeySlot, CompletableFuture<byte[]>>> work = new ArrayList<>();
              try {
                List<KeySlot> slots =
                    new KeyRing(store, repositoryId.call(), new SecureRandom(), Clock.systemUTC())
                        .readable(damaged -> {});
                for (KeySlot slot : slots) {
                  CompletableFuture<byte[]> key = new CompletableFuture<>();
                  STARTED.put(slotKey(slot), new Started(digest, key));
                  work.add(Map.entry(slot, key));
                }
              } catch (Exception e) {
                // Only a head start: KeyRing.unlock reads the slots itself and reports failures.
              } finally {
                reading.complete(null);
              }
              try {
                for (Map.Entry<KeySlot, CompletableFuture<byte[]>> entry : work) {
                  KeySlot slot = entry.getKey();
                  try {
                    entry
                        .getValue()
                        .complete(
                            KeyRing.derive(
                                copy, Base64.getDecoder().decode(slot.salt()), slot.kdf()));
                  } catch (RuntimeException e) {
                    entry.getValue().completeExceptionally(e);
                  }
                }
              } finally {
                Arrays.fill(copy, '\0');
              }
            });
  }

  /**
   * The key derived early for {@code slot} from {@code password}, waiting for it if it is still
   * being derived; empty when none was started for this slot and password, or it failed.
   */
  static Optional<byte[]> take(KeySlot slot, char[] password) {
    slotsRead.join();
    Started started = STARTED.remove(slotKey(slot));
    if (started == null || !MessageDigest.isEqual(started.passwordDigest(), digest(password))) {
      return Optional.empty();
    }
    try {
      return Optional.of(started.key().join());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String slotKey(KeySlot slot) {
    return slot.id() + "/" + slot.salt() + "/" + slot.kdf();
  }

  /** SHA-256 of the password, to tell passwords apart without keeping them. */
  private static byte[] digest(char[] password) {
    ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(bytes);
      return sha.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    } finally {
      if (bytes.hasArray()) {
        Arrays.fill(bytes.array(), (byte) 0);
      }
    }
  }
}
