/**
 * Index objects and the in-memory chunk index built from them: chunk id -> pack, offset, length.
 */
package dev.cairn.repository.index;
