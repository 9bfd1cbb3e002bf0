package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.BlobStoreProvider;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens the store behind a {@code --repo} value: a URL whose scheme a {@link BlobStoreProvider} on
 * the class path knows ({@code azure://}, {@code s3://}), or else a local directory (handled by
 * {@link RepositoryOptions}).
 */
final class StoreLocations {
  private StoreLocations() {}

  /** Whether {@code location} names a remote store rather than a local directory. */
  static boolean isUrl(String location) {
    return location.matches("[A-Za-z][A-Za-z0-9+.-]*://.*");
  }

  /**
   * Opens the store at URL {@code location} with credentials from the process environment.
   *
   * @throws CairnException naming the location: an unknown scheme or a malformed URL is bad input,
   *     a store that cannot be reached or used is {@link ErrorCode#REPOSITORY_UNAVAILABLE}
   */
  static BlobStore open(String location, Optional<String> endpoint, boolean create)
      throws CairnException {
    String scheme = location.substring(0, location.indexOf("://"));
    Map<String, BlobStoreProvider> providers = providers();
    BlobStoreProvider provider = providers.get(scheme.toLowerCase(java.util.Locale.ROOT));
    if (provider == null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot open repository "
              + location
              + ": no store for '"
              + scheme
              + "://' (known: "
              + (providers.isEmpty() ? "none" : String.join(", ", providers.keySet()))
              + ", or a local directory)");
    }
    try {
      return provider.open(
          location, new BlobStoreProvider.Context(System.getenv(), endpoint, create));
    } catch (IllegalArgumentException e) {
      throw new CairnException(ErrorCode.INVALID_INPUT, e.getMessage());
    } catch (CairnException e) {
      throw e;
    } catch (IOException e) {
      throw new CairnException(ErrorCode.REPOSITORY_UNAVAILABLE, e.getMessage(), e);
    }
  }

  private static Map<String, BlobStoreProvider> providers() {
    Map<String, BlobStoreProvider> byScheme = new TreeMap<>();
    for (BlobStoreProvider provider : ServiceLoader.load(BlobStoreProvider.class)) {
      for (String scheme : provider.schemes()) {
        byScheme.put(scheme.toLowerCase(java.util.Locale.ROOT), provider);
      }
    }
    return byScheme;
  }
}
