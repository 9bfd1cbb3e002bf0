/**
 * The repository's cryptography: the master key, keyed chunk ids (HMAC-SHA-256) and AES-256-GCM
 * with per-object derived keys. See docs/decisions/0002-hash-and-cipher.md.
 */
package dev.cairn.repository.crypto;
