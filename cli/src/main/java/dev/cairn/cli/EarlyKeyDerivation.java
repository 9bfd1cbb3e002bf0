package dev.cairn.cli;

import dev.cairn.repository.Repository;
import dev.cairn.storage.local.LocalBlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Starts deriving a local repository's key before picocli has even parsed the arguments (see {@link
 * Repository#deriveKeysEarly}): a fresh JVM spends about 0.45 s in Argon2id and 0.2 s building the
 * command line, and running them side by side is most of what brings {@code cairn export}'s time to
 * first byte under a second.
 *
 * <p>It reads only what it can without side effects: {@code --repo} (a directory, not a cloud URL,
 * whose client would cost more to start than it saves), and the password from {@code
 * --password-file} or {@code CAIRN_PASSWORD}, never from a prompt. Anything unexpected and it does
 * nothing: the command then opens the repository as usual and reports what is wrong.
 */
final class EarlyKeyDerivation {
  /** The commands that open an existing repository given by {@code --repo} with its password. */
  private static final Set<String> OPENS_REPOSITORY =
      Set.of(
          "backup",
          "points",
          "restore",
          "export",
          "check",
          "forget",
          "prune",
          "archive",
          "rehydrate",
          "audit",
          "repair-index");

  private EarlyKeyDerivation() {}

  /**
   * Starts the derivation when {@code args} name a local repository; {@code
   * -Dcairn.noEarlyKdf=true} turns it off (for measuring it).
   */
  static void start(String[] args) {
    if (Boolean.getBoolean("cairn.noEarlyKdf")) {
      return;
    }
    String command = null;
    String repository = null;
    String passwordFile = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (command == null && !arg.startsWith("-")) {
        command = arg;
      } else if (arg.startsWith("--repo=")) {
        repository = arg.substring("--repo=".length());
      } else if (arg.equals("--repo") && i + 1 < args.length) {
        repository = args[++i];
      } else if (arg.startsWith("--password-file=")) {
        passwordFile = arg.substring("--password-file=".length());
      } else if (arg.equals("--password-file") && i + 1 < args.length) {
        passwordFile = args[++i];
      }
    }
    if (command == null
        || !OPENS_REPOSITORY.contains(command)
        || repository == null
        || StoreLocations.isUrl(repository)) {
      return;
    }
    String location = repository;
    String file = passwordFile;
    Thread.ofPlatform()
        .daemon()
        .name("cairn-early-open")
        .start(
            () -> {
              try {
                char[] password = password(file);
                Path directory = Path.of(location);
                if (password.length > 0 && Files.isDirectory(directory)) {
                  Repository.deriveKeysEarly(LocalBlobStore.open(directory), password);
                }
                java.util.Arrays.fill(password, '\0');
              } catch (Exception | Error e) {
                // Only a head start; the command reports real problems itself.
              }
            });
  }

  /** The password as {@link RepositoryOptions#password} reads it, or empty (never a prompt). */
  private static char[] password(String file) throws java.io.IOException {
    if (file != null) {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8)
          .lines()
          .findFirst()
          .orElse("")
          .toCharArray();
    }
    String fromEnvironment = System.getenv("CAIRN_PASSWORD");
    return fromEnvironment == null ? new char[0] : fromEnvironment.toCharArray();
  }
}
