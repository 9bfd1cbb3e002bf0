package dev.cairn.repository.index;

import dev.cairn.repository.pack.BlobEntry;
import dev.cairn.repository.pack.PackId;

/** A chunk's pack and its place in it. */
public record BlobLocation(PackId pack, BlobEntry entry) {}
