package dev.cairn.storage;

/** Whether an object of an {@link ArchivingBlobStore} can be read now. */
public enum ArchiveState {
  /** Readable (on Azure: Hot, Cool or Cold; on S3: any class but GLACIER and DEEP_ARCHIVE). */
  ONLINE,
  /** Offline: reads fail with {@link ArchivedObjectException} until it is rehydrated. */
  ARCHIVED,
  /** Offline, a rehydration was asked for and has not finished; asking again changes nothing. */
  REHYDRATING
}
