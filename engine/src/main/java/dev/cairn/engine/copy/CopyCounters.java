package dev.cairn.engine.copy;

import java.util.concurrent.atomic.AtomicLong;

/** Running totals of one copy, updated by the workers. */
final class CopyCounters {
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong bytesWritten = new AtomicLong();
  final AtomicLong chunksNew = new AtomicLong();
  final AtomicLong chunksExisting = new AtomicLong();
  final AtomicLong chunksReused = new AtomicLong();
  final AtomicLong leavesReused = new AtomicLong();
  final AtomicLong chunksVerified = new AtomicLong();
}
