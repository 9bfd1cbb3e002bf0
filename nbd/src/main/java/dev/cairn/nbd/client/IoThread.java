package dev.cairn.nbd.client;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a connection's commands on one platform thread when the caller is a virtual thread. A
 * virtual thread blocked on a socket parks and is woken through the JDK's poller every time the
 * socket buffer (about 200 KiB for a Unix socket) runs dry; reading a disk at GiB/s that costs
 * about twice the CPU of a platform thread blocking in the kernel (measured with qemu-nbd). Handing
 * the whole command over costs one park per command instead. Platform callers run in place.
 *
 * <p>Used under the client's lock, so at most one command runs at a time. The thread is a daemon
 * and starts on first use.
 */
final class IoThread {
  @FunctionalInterface
  interface Work {
    void run() throws IOException;
  }

  private final String name;
  private final Runnable abort;
  private volatile ExecutorService executor;

  /**
   * @param name the thread's name
   * @param abort closes the connection, so that work stops when its caller is interrupted
   */
  IoThread(String name, Runnable abort) {
    this.name = name;
    this.abort = abort;
  }

  /** Runs {@code work} and returns when it is finished, rethrowing what it threw. */
  void run(Work work) throws IOException {
    if (!Thread.currentThread().isVirtual()) {
      work.run();
      return;
    }
    if (executor == null) {
      executor =
          Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name(name).factory());
    }
    Future<Void> done =
        executor.submit(
            () -> {
              work.run();
              return null;
            });
    try {
      done.get();
    } catch (InterruptedException e) {
      // The work fills the caller's buffers, so it must be over before the caller goes on.
      abort.run();
      awaitUninterruptibly(done);
      Thread.currentThread().interrupt();
      throw new ClosedByInterruptException();
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case RuntimeException runtime -> throw runtime;
        case Error error -> throw error;
        default -> throw new IOException(e.getCause());
      }
    }
  }

  private static void awaitUninterruptibly(Future<Void> done) {
    boolean interrupted = false;
    while (true) {
      try {
        done.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException e) {
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lets the thread end once its current work (if any) is done. */
  void close() {
    ExecutorService running = executor;
    if (running != null) {
      running.shutdown();
    }
  }
}
