package dev.cairn.cli;

import dev.cairn.engine.progress.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on a terminal: one line on stderr, rewritten at most five times a second, with bytes
 * done, rate and time left. Silent when stderr is not a terminal, so logs and pipes stay clean.
 */
final class TerminalProgress implements ProgressListener, AutoCloseable {
  private final PrintStream err;
  private final boolean enabled;
  private final long started = System.nanoTime();
  private long lastPrint;
  private boolean printed;

  TerminalProgress(PrintStream err, boolean enabled) {
    this.err = err;
    this.enabled = enabled;
  }

  static TerminalProgress forTerminal() {
    var console = System.console();
    return new TerminalProgress(System.err, console != null && console.isTerminal());
  }

  @Override
  public synchronized void update(String phase, long done, long total) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastPrint < 200_000_000L && done != total) {
      return;
    }
    lastPrint = now;
    double seconds = Math.max(0.001, (now - started) / 1e9);
    double rate = done / seconds;
    boolean countsBytes =
        !phase.equals("check")
            && !phase.equals("mark")
            && !phase.equals("prune")
            && !phase.equals("repack");
    String line;
    if (countsBytes) {
      String eta =
          total > 0 && rate > 0 ? Output.duration((long) ((total - done) / rate * 1000)) : "?";
      line =
          String.format(
              Locale.ROOT,
              "%-9s %s / %s  %3d%%  %s/s  ETA %s",
              phase,
              Output.bytes(done),
              total < 0 ? "?" : Output.bytes(total),
              total > 0 ? done * 100 / total : 0,
              Output.bytes((long) rate),
              eta);
    } else {
      line = String.format(Locale.ROOT, "%-9s %d / %d", phase, done, total);
    }
    err.print("\r" + line + "\033[K");
    err.flush();
    printed = true;
  }

  @Override
  public synchronized void close() {
    if (enabled && printed) {
      err.print("\r\033[K");
      err.flush();
    }
  }
}
