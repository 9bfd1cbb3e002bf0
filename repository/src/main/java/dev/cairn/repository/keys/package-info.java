/** Key slots: the master key wrapped by Argon2id-derived password keys, several per repository. */
package dev.cairn.repository.keys;
