package dev.cairn.nbd.client;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One request sent and awaiting its reply, with what the reply has filled in so far. Reply chunks
 * for several requests may interleave, so each request keeps its own state.
 */
final class InFlight {
  final long cookie;
  final int command;
  final long offset;
  final int length;

  /** For a read: where the data goes, {@code length} bytes from position 0; otherwise null. */
  final ByteBuffer target;

  /** For a block-status request: the context whose extents are wanted; otherwise -1. */
  final int contextId;

  final CoveredRanges covered = new CoveredRanges();
  final Set<Integer> statusContexts = new HashSet<>();
  final List<Extent> extents = new ArrayList<>();
  private NbdException failure;

  InFlight(long cookie, int command, long offset, int length, ByteBuffer target, int contextId) {
    this.cookie = cookie;
    this.command = command;
    this.offset = offset;
    this.length = length;
    this.target = target;
    this.contextId = contextId;
  }

  /** The request's length as the unsigned number it is on the wire. */
  long unsignedLength() {
    return Integer.toUnsignedLong(length);
  }

  /** Whether {@code [start, start + count)} lies within the request (start unsigned). */
  boolean contains(long start, long count) {
    return Long.compareUnsigned(start, offset) >= 0
        && Long.compareUnsigned(start - offset, unsignedLength()) <= 0
        && count <= unsignedLength() - (start - offset);
  }

  /** Records a server error; the first one is what the caller sees. */
  void fail(NbdException error) {
    if (failure == null) {
      failure = error;
    }
  }

  NbdException failure() {
    return failure;
  }
}
