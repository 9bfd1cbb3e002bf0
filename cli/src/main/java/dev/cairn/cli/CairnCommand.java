package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.io.IOException;
import java.io.PrintWriter;
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
        "Back up and restore virtual machine disks into encrypted, deduplicated repositories.",
    subcommands = {
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
      CommandLine.HelpCommand.class
    })
public final class CairnCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
  }

  public static void main(String[] args) {
    System.exit(
        execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit status (for tests too). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new CairnCommand());
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
