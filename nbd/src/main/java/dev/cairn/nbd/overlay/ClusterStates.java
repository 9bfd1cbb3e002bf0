package dev.cairn.nbd.overlay;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where each cluster of a copy-on-write export reads from: the base (the initial state), the
 * overlay file (which then holds the whole cluster), or nowhere because it reads as zeroes. Two
 * bits per cluster in atomic words, so neighbouring clusters guarded by different locks can change
 * at the same time; the caller's cluster locks keep each cluster's state and data consistent.
 */
final class ClusterStates {
  enum State {
    BASE,
    OVERLAY,
    ZEROES
  }

  private final long clusters;
  private final AtomicLongArray inOverlay;
  private final AtomicLongArray zeroes;

  ClusterStates(long clusters) {
    long words = (clusters + 63) / 64;
    if (words > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many clusters: " + clusters);
    }
    this.clusters = clusters;
    this.inOverlay = new AtomicLongArray((int) words);
    this.zeroes = new AtomicLongArray((int) words);
  }

  State get(long cluster) {
    if (isSet(inOverlay, cluster)) {
      return State.OVERLAY;
    }
    return isSet(zeroes, cluster) ? State.ZEROES : State.BASE;
  }

  void set(long cluster, State state) {
    change(inOverlay, cluster, state == State.OVERLAY);
    change(zeroes, cluster, state == State.ZEROES);
  }

  /** How many clusters the overlay file holds. */
  long inOverlay() {
    long count = 0;
    for (int i = 0; i < inOverlay.length(); i++) {
      count += Long.bitCount(inOverlay.get(i));
    }
    return count;
  }

  long clusters() {
    return clusters;
  }

  private static boolean isSet(AtomicLongArray bits, long cluster) {
    return (bits.get((int) (cluster >>> 6)) & (1L << cluster)) != 0;
  }

  private static void change(AtomicLongArray bits, long cluster, boolean value) {
    int word = (int) (cluster >>> 6);
    long mask = 1L << cluster;
    bits.getAndUpdate(word, current -> value ? current | mask : current & ~mask);
  }
}
