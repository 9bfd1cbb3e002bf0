package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.cache.MetadataCache;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.local.LocalBlobStore;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/**
 * The options every command that opens a repository shares: where it is and how to get the password
 * (CAIRN_PASSWORD, --password-file, or a prompt on a terminal, in that order).
 */
final class RepositoryOptions {
  @Option(
      names = "--repo",
      required = true,
      paramLabel = "DIR",
      description =
          "Repository location: a directory, azure://ACCOUNT/CONTAINER[/PREFIX] or"
              + " s3://[ENDPOINT/]BUCKET[/PREFIX] (credentials from the environment).")
  String repository;

  @Option(
      names = "--repo-endpoint",
      paramLabel = "URL",
      description =
          "Service endpoint of a cloud repository (emulators, sovereign clouds, S3-compatible"
              + " servers); default: the service's own.")
  String endpoint;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description =
          "Read the password from the first line of FILE (else CAIRN_PASSWORD, else a prompt).")
  Path passwordFile;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description =
          "Local cache of the index objects and manifests of a cloud repository (default:"
              + " $CAIRN_CACHE_DIR, else $XDG_CACHE_HOME/cairn, else ~/.cache/cairn). Only a"
              + " cache: check always reads the repository itself.")
  Path cacheDirectory;

  @Option(
      names = "--no-cache",
      description = "Read every index object and manifest from the repository itself.")
  boolean noCache;

  /** The most the metadata cache of one repository may hold on disk. */
  static final long CACHE_MAX_BYTES = 4L << 30;

  BlobStore openStore() throws IOException {
    if (StoreLocations.isUrl(repository)) {
      return StoreLocations.open(repository, java.util.Optional.ofNullable(endpoint), false);
    }
    Path path = Path.of(repository);
    if (!Files.isDirectory(path)) {
      throw new CairnException(
          ErrorCode.REPOSITORY_UNAVAILABLE,
          "Cannot open repository " + path.toAbsolutePath() + ": no such directory");
    }
    return LocalBlobStore.open(path);
  }

  BlobStore createStore() throws IOException {
    if (StoreLocations.isUrl(repository)) {
      return StoreLocations.open(repository, java.util.Optional.ofNullable(endpoint), true);
    }
    Path path = Path.of(repository);
    if (Files.exists(path) && !Files.isDirectory(path)) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot initialise repository " + path + ": it is a file");
    }
    try {
      return LocalBlobStore.createDirectoryAndOpen(path);
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.STORAGE_FAILED,
          "Cannot create repository directory " + path + ": " + e.getMessage());
    }
  }

  /**
   * Opens the repository; a cloud repository keeps its index objects and manifests in the local
   * metadata cache (unless --no-cache).
   */
  Repository open() throws IOException {
    return open(true);
  }

  /**
   * {@link #open()}, with or without the JIT warm-ups ({@link Repository#open}'s {@code warmUp}).
   */
  Repository open(boolean warmUp) throws IOException {
    Repository opened = openUncached(warmUp);
    if (noCache || !StoreLocations.isUrl(repository)) {
      return opened;
    }
    try {
      Path directory = cacheRoot().resolve(opened.config().id());
      opened.useMetadataCache(MetadataCache.open(directory, CACHE_MAX_BYTES));
    } catch (IOException e) {
      // Only a cache: without it everything still works, just slower.
      System.err.println(
          "cairn: warning: cannot use the metadata cache ("
              + e.getMessage()
              + "); reading the"
              + " repository instead");
    }
    return opened;
  }

  /** Opens the repository without the metadata cache: for check and repair, which verify it. */
  Repository openUncached() throws IOException {
    return openUncached(true);
  }

  private Repository openUncached(boolean warmUp) throws IOException {
    BlobStore store = openStore();
    try {
      Repository.readConfig(store);
      return Repository.open(store, password(false), Clock.systemUTC(), warmUp);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private Path cacheRoot() {
    if (cacheDirectory != null) {
      return cacheDirectory;
    }
    String explicit = System.getenv("CAIRN_CACHE_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "cairn");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "cairn");
  }

  char[] password(boolean confirm) throws CairnException {
    if (passwordFile != null) {
      try {
        String content = Files.readString(passwordFile, StandardCharsets.UTF_8);
        String firstLine = content.lines().findFirst().orElse("");
        if (firstLine.isEmpty()) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot read password file " + passwordFile + ": it is empty");
        }
        return firstLine.toCharArray();
      } catch (NoSuchFileException e) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot read password file " + passwordFile + ": no such file");
      } catch (IOException e) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot read password file " + passwordFile + ": " + e.getMessage());
      }
    }
    String fromEnvironment = System.getenv("CAIRN_PASSWORD");
    if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
      return fromEnvironment.toCharArray();
    }
    Console console = System.console();
    if (console != null && console.isTerminal()) {
      char[] password = console.readPassword("Repository password: ");
      if (confirm) {
        char[] again = console.readPassword("Repeat the password: ");
        if (!java.util.Arrays.equals(password, again)) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT, "Cannot initialise: the passwords differ");
        }
      }
      if (password != null && password.length > 0) {
        return password;
      }
    }
    throw new CairnException(
        ErrorCode.INVALID_INPUT,
        "Cannot get the repository password: set CAIRN_PASSWORD, use --password-file FILE,"
            + " or run on a terminal");
  }
}
