/** Verification of a repository: structure, and optionally every chunk's data. */
package dev.cairn.engine.check;
