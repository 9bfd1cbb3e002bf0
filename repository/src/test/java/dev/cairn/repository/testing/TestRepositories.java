package dev.cairn.repository.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.repository.Json;
import dev.cairn.repository.Repository;
import dev.cairn.repository.config.RepositoryConfig;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.memory.MemoryBlobStore;
import java.io.IOException;
import java.time.Clock;
import java.util.function.Consumer;

/** Repositories for tests: cheap key derivation, a fixed password, config surgery. */
public final class TestRepositories {
  /** Argon2id at 64 KiB and one pass: milliseconds instead of a second. Never for real use. */
  public static final KdfParameters CHEAP_KDF = KdfParameters.of(64, 1);

  public static final String PASSWORD = "correct horse battery staple";

  private TestRepositories() {}

  public static Repository init(BlobStore store) throws IOException {
    return init(store, Clock.systemUTC());
  }

  public static Repository init(BlobStore store, Clock clock) throws IOException {
    return Repository.init(
        store, PASSWORD.toCharArray(), new Repository.InitOptions(CHEAP_KDF, "test key"), clock);
  }

  public static Repository open(BlobStore store) throws IOException {
    return Repository.open(store, PASSWORD.toCharArray(), Clock.systemUTC());
  }

  /**
   * Rewrites the plain JSON config object of {@code store} in place, bypassing create-if-absent:
   * for tests of how open treats configs it did not write itself.
   */
  public static void editConfig(MemoryBlobStore store, Consumer<ObjectNode> edit)
      throws IOException {
    ObjectNode config = (ObjectNode) Json.MAPPER.readTree(store.read(RepositoryConfig.OBJECT_NAME));
    edit.accept(config);
    store.replaceForTesting(RepositoryConfig.OBJECT_NAME, Json.MAPPER.writeValueAsBytes(config));
  }

  /** Makes packs close at {@code bytes} so that a test sees many packs from little data. */
  public static void setPackTargetSize(MemoryBlobStore store, int bytes) throws IOException {
    editConfig(store, config -> config.put("packTargetSize", bytes));
  }
}
