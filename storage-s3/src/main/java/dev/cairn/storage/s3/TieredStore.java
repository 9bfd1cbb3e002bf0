package dev.cairn.storage.s3;

import dev.cairn.storage.BlobStore;
import java.io.IOException;

/**
 * Capability of stores that keep objects in several cost tiers (S3 storage classes), the ground for
 * archive repositories: packs that are rarely read go to a cheaper class, at the price of slower,
 * billed or delayed reads.
 */
public interface TieredStore extends BlobStore {

  /**
   * Creates {@code name} like {@link #create(String, byte[])}, in {@code storageClass}.
   *
   * @throws dev.cairn.storage.ObjectExistsException if the object already exists
   * @throws IOException if it cannot be written, e.g. the server does not know the class
   */
  void create(String name, byte[] content, StorageClass storageClass) throws IOException;

  /**
   * The storage class of {@code name}.
   *
   * @throws dev.cairn.storage.NoSuchObjectException if the object does not exist
   */
  StorageClass storageClass(String name) throws IOException;
}
