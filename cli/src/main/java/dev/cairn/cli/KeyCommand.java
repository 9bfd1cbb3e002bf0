package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.Repository;
import dev.cairn.repository.keys.KdfParameters;
import dev.cairn.repository.keys.KeySlot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "key",
    description = "Manage the passwords (key slots) that open the repository.",
    subcommands = {
      KeyCommand.ListKeys.class,
      KeyCommand.AddKey.class,
      KeyCommand.RemoveKey.class,
      KeyCommand.ChangePassword.class
    })
final class KeyCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing a key command: list, add, remove or passwd");
  }

  /** Adds a key slot for the new password (from {@code file} or a prompt) with default KDF cost. */
  static KeySlot addSlot(Repository opened, Path file, String label) throws java.io.IOException {
    return opened
        .keys()
        .add(opened.masterKey(), readNewPassword(file), KdfParameters.defaults(), label);
  }

  static char[] readNewPassword(Path file) throws CairnException {
    if (file == null) {
      var console = System.console();
      if (console != null && console.isTerminal()) {
        char[] first = console.readPassword("New password: ");
        char[] second = console.readPassword("Repeat the new password: ");
        if (first != null && first.length > 0 && java.util.Arrays.equals(first, second)) {
          return first;
        }
        throw new CairnException(
            ErrorCode.INVALID_INPUT, "Cannot add key: the new passwords differ or are empty");
      }
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot add key: give --new-password-file FILE or run on a terminal");
    }
    try {
      String line = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
      if (line.isEmpty()) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT, "Cannot read new password file " + file + ": it is empty");
      }
      return line.toCharArray();
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot read new password file " + file + ": " + e.getMessage());
    }
  }

  @Command(name = "list", description = "List key slots.")
  static final class ListKeys implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      try (Repository opened = repository.open()) {
        PrintWriter out = spec.commandLine().getOut();
        for (KeySlot slot : opened.keys().list()) {
          out.printf(
              "%s %s  %s  argon2id m=%d KiB t=%d  %s%n",
              slot.id().equals(opened.keySlotId()) ? "*" : " ",
              slot.id(),
              slot.created(),
              slot.kdf().memoryKib(),
              slot.kdf().iterations(),
              slot.label() == null ? "" : slot.label());
        }
      }
      return 0;
    }
  }

  @Command(name = "add", description = "Add a password; existing ones keep working.")
  static final class AddKey implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--new-password-file",
        paramLabel = "FILE",
        description = "The new password's file.")
    Path newPasswordFile;

    @Option(names = "--label", paramLabel = "TEXT", description = "A note on who holds this key.")
    String label = "added key";

    @Override
    public Integer call() throws Exception {
      try (Repository opened = repository.open()) {
        KeySlot slot = addSlot(opened, newPasswordFile, label);
        opened.audit().record("key.add", java.util.Map.of("keySlot", slot.id(), "label", label));
        spec.commandLine().getOut().println("Added key " + slot.id());
      }
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove a key slot (never the last one).")
  static final class RemoveKey implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The key slot id (see 'key list').")
    String id;

    @Override
    public Integer call() throws Exception {
      try (Repository opened = repository.open()) {
        if (id.equals(opened.keySlotId())) {
          throw new CairnException(
              ErrorCode.INVALID_INPUT,
              "Cannot remove key "
                  + id
                  + ": it is the one in use; open with another password first");
        }
        opened.keys().remove(id);
        opened.audit().record("key.remove", java.util.Map.of("keySlot", id));
        spec.commandLine().getOut().println("Removed key " + id);
      }
      return 0;
    }
  }

  @Command(
      name = "passwd",
      description = "Change the password in use (adds a new slot, removes the old).")
  static final class ChangePassword implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--new-password-file",
        paramLabel = "FILE",
        description = "The new password's file.")
    Path newPasswordFile;

    @Override
    public Integer call() throws Exception {
      try (Repository opened = repository.open()) {
        opened.keys().requireRemovable(opened.keySlotId());
        KeySlot slot = addSlot(opened, newPasswordFile, "changed password");
        opened.keys().remove(opened.keySlotId());
        opened
            .audit()
            .record(
                "key.passwd",
                java.util.Map.of("newKeySlot", slot.id(), "removedKeySlot", opened.keySlotId()));
        spec.commandLine().getOut().println("Password changed (new key " + slot.id() + ")");
      }
      return 0;
    }
  }
}
