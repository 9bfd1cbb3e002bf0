package dev.cairn.engine.progress;

import java.util.concurrent.atomic.AtomicLong;

/** Counts units of one phase and forwards the running total to a listener. Thread-safe. */
public final class ProgressCounter {
  private final ProgressListener listener;
  private final String phase;
  private final long total;
  private final AtomicLong done = new AtomicLong();

  public ProgressCounter(ProgressListener listener, String phase, long total) {
    this.listener = listener;
    this.phase = phase;
    this.total = total;
    listener.update(phase, 0, total);
  }

  public void add(long units) {
    listener.update(phase, done.addAndGet(units), total);
  }

  public long done() {
    return done.get();
  }
}
