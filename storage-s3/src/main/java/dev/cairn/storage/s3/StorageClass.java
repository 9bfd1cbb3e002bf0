package dev.cairn.storage.s3;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A storage class (S3's cost and access tier of an object), by the name the service uses. The
 * constants are the common AWS classes; S3-compatible servers define their own names (Ceph RGW
 * placement storage classes), which {@link #of(String)} accepts. Objects in the archive classes
 * (GLACIER, DEEP_ARCHIVE) must be restored before they can be read.
 *
 * @param name the service's name of the class, e.g. {@code STANDARD_IA}
 */
public record StorageClass(String name) {
  private static final Pattern NAME = Pattern.compile("[A-Z0-9_]{1,64}");

  public static final StorageClass STANDARD = new StorageClass("STANDARD");
  public static final StorageClass STANDARD_IA = new StorageClass("STANDARD_IA");
  public static final StorageClass ONEZONE_IA = new StorageClass("ONEZONE_IA");
  public static final StorageClass INTELLIGENT_TIERING = new StorageClass("INTELLIGENT_TIERING");
  public static final StorageClass GLACIER_IR = new StorageClass("GLACIER_IR");
  public static final StorageClass GLACIER = new StorageClass("GLACIER");
  public static final StorageClass DEEP_ARCHIVE = new StorageClass("DEEP_ARCHIVE");

  /**
   * @throws IllegalArgumentException if {@code name} is not upper-case letters, digits and '_'
   */
  public StorageClass {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("Invalid storage class '" + name + "'");
    }
  }

  /**
   * Whether objects in this class are offline: GLACIER (Glacier Flexible Retrieval) and
   * DEEP_ARCHIVE objects cannot be read until a RestoreObject has made a temporary copy. Every
   * other class is online, GLACIER_IR (Glacier Instant Retrieval) included: it is read like
   * STANDARD, at a higher price per GiB read.
   */
  public boolean offline() {
    return equals(GLACIER) || equals(DEEP_ARCHIVE);
  }

  /** The class named {@code name}. */
  public static StorageClass of(String name) {
    return new StorageClass(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
