package dev.cairn.repository.keys;

import java.time.Instant;

/**
 * One way to unlock the repository: the master key encrypted with AES-256-GCM under a key that
 * Argon2id derives from a password. Stored in plain JSON as {@code keys/<id>}; the only secret in
 * it is protected by the password.
 *
 * @param id random hex id, also the object name's last segment
 * @param repositoryId the repository this slot belongs to (a slot of another repository is ignored)
 * @param kdf how the wrapping key is derived
 * @param salt Base64 Argon2id salt (16 bytes)
 * @param nonce Base64 GCM nonce (12 bytes)
 * @param wrappedKey Base64 GCM ciphertext of the 64-byte master key, associated data = id
 * @param created when the slot was added
 * @param label free text for people (host, user), never secret
 */
public record KeySlot(
    String id,
    String repositoryId,
    KdfParameters kdf,
    String salt,
    String nonce,
    String wrappedKey,
    Instant created,
    String label) {}
