package dev.cairn.storage.s3;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The storage class of one object and the state of its restore, as HeadObject reports them ({@code
 * x-amz-storage-class}, {@code x-amz-restore}).
 *
 * @param storageClass the class of the object (STANDARD when the service names none)
 * @param restore whether a temporary copy of an offline object was asked for or is there
 * @param restoredUntil when the temporary copy of a {@link Restore#RESTORED} object expires, if the
 *     service said
 */
public record ObjectClass(
    StorageClass storageClass, Restore restore, Optional<Instant> restoredUntil) {

  /** The restore of an offline object (always {@link #NONE} for online classes). */
  public enum Restore {
    /** No temporary copy and none asked for. */
    NONE,
    /** A RestoreObject is being processed: {@code ongoing-request="true"}. */
    IN_PROGRESS,
    /**
     * A temporary copy is readable until {@code restoredUntil}: {@code ongoing-request="false"}.
     * The object itself is still in its offline class.
     */
    RESTORED
  }

  private static final Pattern ONGOING =
      Pattern.compile("ongoing-request\\s*=\\s*\"?(true|false)\"?", Pattern.CASE_INSENSITIVE);
  private static final Pattern EXPIRY =
      Pattern.compile("expiry-date\\s*=\\s*\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);

  public ObjectClass {
    Objects.requireNonNull(storageClass, "storageClass");
    Objects.requireNonNull(restore, "restore");
    Objects.requireNonNull(restoredUntil, "restoredUntil");
  }

  /** Whether the object can be read now: an online class, or a restored temporary copy. */
  public boolean readable() {
    return !storageClass.offline() || restore == Restore.RESTORED;
  }

  /**
   * The class and restore of an object from HeadObject's headers.
   *
   * @param storageClass {@code x-amz-storage-class}; absent (null or empty) means STANDARD
   * @param restore {@code x-amz-restore}, e.g. {@code ongoing-request="false", expiry-date="Fri, 21
   *     Dec 2012 00:00:00 GMT"}; null when absent. Ignored for online classes.
   */
  static ObjectClass of(String storageClass, String restore) {
    StorageClass found =
        storageClass == null || storageClass.isEmpty()
            ? StorageClass.STANDARD
            : StorageClass.of(storageClass);
    if (!found.offline() || restore == null) {
      return new ObjectClass(found, Restore.NONE, Optional.empty());
    }
    Matcher ongoing = ONGOING.matcher(restore);
    if (!ongoing.find()) {
      return new ObjectClass(found, Restore.NONE, Optional.empty());
    }
    if (ongoing.group(1).equalsIgnoreCase("true")) {
      return new ObjectClass(found, Restore.IN_PROGRESS, Optional.empty());
    }
    Optional<Instant> until = Optional.empty();
    Matcher expiry = EXPIRY.matcher(restore);
    if (expiry.find()) {
      try {
        until =
            Optional.of(
                ZonedDateTime.parse(expiry.group(1), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant());
      } catch (DateTimeParseException e) {
        // The copy is there; when it expires is only information.
      }
    }
    return new ObjectClass(found, Restore.RESTORED, until);
  }
}
