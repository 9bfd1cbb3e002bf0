package dev.cairn.storage.azure;

/**
 * How an object is kept, from the cheapest to read to the cheapest to keep. Reading costs more and
 * minimum storage periods grow from {@link #HOT} to {@link #ARCHIVE}; an {@link #ARCHIVE} object is
 * offline and must be rehydrated before it can be read.
 */
public enum AccessTier {
  /** Online, for objects read often. */
  HOT,
  /** Online, for objects kept at least 30 days and read rarely. */
  COOL,
  /** Online, for objects kept at least 90 days and read very rarely. */
  COLD,
  /** Offline, for objects kept at least 180 days; reads need a rehydration of hours. */
  ARCHIVE
}
