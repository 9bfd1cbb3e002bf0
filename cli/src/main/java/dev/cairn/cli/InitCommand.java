package dev.cairn.cli;

import dev.cairn.repository.Repository;
import dev.cairn.repository.config.Immutability;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.storage.BlobStore;
import dev.cairn.storage.RetentionMode;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "init", description = "Create a new encrypted repository.")
final class InitCommand implements Callable<Integer> {
  @Mixin RepositoryOptions repository;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--kdf-memory-kib",
      paramLabel = "KIB",
      description =
          "Argon2id memory cost in KiB (default 65536). Lower only for tiny machines or tests.")
  int kdfMemoryKib = KdfParameters.defaults().memoryKib();

  @Option(
      names = "--kdf-iterations",
      paramLabel = "N",
      description = "Argon2id passes (default 2).")
  int kdfIterations = KdfParameters.defaults().iterations();

  @Option(
      names = "--immutable-days",
      paramLabel = "DAYS",
      description =
          "Make the repository immutable: every object is written retained (S3 Object Lock, Azure"
              + " immutability) for DAYS plus a margin, so that nobody holding the repository's"
              + " credentials can delete a restore point in that time. Needs a bucket or"
              + " container set up for it; cannot be undone.")
  Integer immutableDays;

  @Option(
      names = "--immutable-mode",
      paramLabel = "MODE",
      description =
          "compliance (default: nobody can shorten a retention) or governance (an account"
              + " allowed to bypass governance can).")
  String immutableMode = "compliance";

  @Option(
      names = "--immutable-margin-days",
      paramLabel = "DAYS",
      description =
          "Days added to every retention (default 7); run prune at least this often so that"
              + " shared data stays retained as long as the newest point.")
  int immutableMarginDays = Immutability.DEFAULT_MARGIN_DAYS;

  @Override
  public Integer call() throws Exception {
    Immutability immutability = immutability();
    char[] password = repository.password(true);
    BlobStore store = repository.createStore();
    KdfParameters kdf = new KdfParameters(KdfParameters.ARGON2ID, kdfMemoryKib, kdfIterations, 1);
    Repository.InitOptions options = new Repository.InitOptions(kdf, "initial key", immutability);
    try (Repository created = Repository.init(store, password, options, Clock.systemUTC())) {
      created.audit().record("repository.init", java.util.Map.of("keySlot", created.keySlotId()));
      spec.commandLine()
          .getOut()
          .println(
              "Created repository "
                  + created.config().id()
                  + " at "
                  + created.location()
                  + " (format "
                  + created.config().version()
                  + ", AES-256-GCM, Argon2id key slot "
                  + created.keySlotId().substring(0, 8)
                  + ")");
      if (immutability != null) {
        spec.commandLine()
            .getOut()
            .println(
                "Immutable: every object is retained "
                    + immutability.days()
                    + "+"
                    + immutability.marginDays()
                    + " days ("
                    + immutability.mode().name().toLowerCase(Locale.ROOT)
                    + " mode); run 'cairn prune' at least every "
                    + Math.max(1, immutability.marginDays())
                    + " days to keep shared data retained.");
      }
      spec.commandLine()
          .getOut()
          .println("Keep the password safe: without it the backups cannot be read.");
    }
    return 0;
  }

  private Immutability immutability() {
    if (immutableDays == null) {
      return null;
    }
    RetentionMode mode;
    try {
      mode = RetentionMode.valueOf(immutableMode.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(),
          "--immutable-mode takes governance or compliance, not " + immutableMode);
    }
    try {
      return new Immutability(immutableDays, immutableMarginDays, mode);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
