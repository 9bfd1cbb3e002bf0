/**
 * In-memory {@link dev.cairn.storage.BlobStore}s, the fakes that unit tests use: a plain one and
 * one with an archive tier whose rehydrations follow an injected clock.
 */
package dev.cairn.storage.memory;
