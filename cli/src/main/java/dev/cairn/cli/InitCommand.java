package dev.cairn.cli;

import dev.cairn.repository.Repository;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.storage.BlobStore;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

  @Override
  public Integer call() throws Exception {
    char[] password = repository.password(true);
    BlobStore store = repository.createStore();
    KdfParameters kdf = new KdfParameters(KdfParameters.ARGON2ID, kdfMemoryKib, kdfIterations, 1);
    try (Repository created =
        Repository.init(
            store, password, new Repository.InitOptions(kdf, "initial key"), Clock.systemUTC())) {
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
      spec.commandLine()
          .getOut()
          .println("Keep the password safe: without it the backups cannot be read.");
    }
    return 0;
  }
}
