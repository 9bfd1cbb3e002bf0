package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} command: subcommands, and one place that turns failures into exit codes. */
@Command(
    name = "cairn",
    mixinStandardHelpOptions = true,
    // every subcommand gets --help (and --version) too
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = CairnCommand.Version.class,
    description =
        "Back up and restore virtual machine disks into encrypted, deduplicated repositories.")
public final class CairnCommand implements Runnable {
  /**
   * The subcommands, in the order help lists them. They are registered when the command line is
   * built rather than in the annotation, so that a run builds only the model of the command it
   * runs: picocli's reflection over every command and option costs about 0.2 s of a fresh JVM's
   * start, and {@code cairn export}'s time to first byte counts it.
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          DemoCommand.class,
          InitCommand.class,
          BackupCommand.class,
          PointsCommand.class,
          RestoreCommand.class,
          ExportCommand.class,
          CopyCommand.class,
          CheckCommand.class,
          ForgetCommand.class,
          PruneCommand.class,
          ArchiveCommand.class,
          RehydrateCommand.class,
          KeyCommand.class,
          UnlockCommand.class,
          RepairIndexCommand.class,
          RecoverVersionsCommand.class,
          AuditCommand.class,
          VsphereCommand.class,
          CommandLine.HelpCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
  }

  public static void main(String[] args) {
    EarlyKeyDerivation.start(args);
    System.exit(
        execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit status (for tests too). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new CairnCommand());
    String wanted = commandName(args);
    boolean known =
        SUBCOMMANDS.stream().anyMatch(type -> nameOf(type).equals(wanted))
            && !"help".equals(wanted);
    for (Class<?> type : SUBCOMMANDS) {
      // Help, a mistyped command or none at all: every command, so help and suggestions list them.
      if (!known || nameOf(type).equals(wanted)) {
        commandLine.addSubcommand(type);
      }
    }
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(
        (exception, command, parseResult) -> {
          err.println("cairn: " + oneLine(exception));
          if (System.getenv("CAIRN_DEBUG") != null) {
            exception.printStackTrace(err);
          }
          err.flush();
          return exitStatus(exception);
        });
    return commandLine.execute(args);
  }

  /** The first argument that is not an option: the subcommand's name, if one is given. */
  private static String commandName(String[] args) {
    for (String arg : args) {
      if (!arg.startsWith("-")) {
        return arg;
      }
    }
    return null;
  }

  private static String nameOf(Class<?> type) {
    return type.getAnnotation(Command.class).name();
  }

  static int exitStatus(Throwable exception) {
    if (exception instanceof CairnException cairn) {
      return cairn.code().exitStatus();
    }
    if (exception instanceof IOException) {
      return ErrorCode.STORAGE_FAILED.exitStatus();
    }
    return ErrorCode.INTERNAL.exitStatus();
  }

  static String oneLine(Throwable exception) {
    String message = exception.getMessage();
    if (message == null || message.isBlank()) {
      message = exception.getClass().getSimpleName();
    }
    if (!(exception instanceof IOException)) {
      message = "internal error: " + message + " (set CAIRN_DEBUG=1 for details)";
    }
    return message.replace('\n', ' ');
  }

  /** Version from the jar manifest. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = CairnCommand.class.getPackage().getImplementationVersion();
      return new String[] {
        "cairn " + (version == null ? "development" : version) + ", repository format 1"
      };
    }
  }
}
