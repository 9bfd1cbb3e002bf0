package dev.cairn.nbd.bench;

import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.client.NbdClientOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a whole NBD export as fast as it can and prints the throughput: {@code --url URL
 * [--connections N] [--block-size MiB] [--threads virtual|platform] [--passes N]}; every pass reads
 * the whole export (later passes run with a warm JIT). Each connection runs on its own virtual
 * thread and takes the next block from a shared counter, reading into one reused direct buffer, the
 * way a backup engine reads a disk. {@code benchmarks/nbd-read.sh} runs it next to {@code nbdcopy}.
 */
public final class NbdReadThroughput {
  private NbdReadThroughput() {}

  public static void main(String[] args) throws Exception {
    String url = null;
    int connections = 4;
    int blockMiB = 8;
    boolean platformThreads = false;
    int passes = 1;
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--url" -> url = value;
        case "--connections" -> connections = Integer.parseInt(value);
        case "--block-size" -> blockMiB = Integer.parseInt(value);
        case "--threads" -> platformThreads = value.equals("platform");
        case "--passes" -> passes = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("Cannot use argument '" + args[i] + "'");
      }
    }
    if (url == null) {
      throw new IllegalArgumentException(
          "Cannot run: give --url nbd+unix:///EXPORT?socket=PATH [--connections N] [--block-size MiB]");
    }
    NbdUrl location = NbdUrl.parse(url);
    int blockSize = blockMiB << 20;
    List<NbdClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        clients.add(NbdClient.connect(location, NbdClientOptions.defaults()));
      }
      for (int pass = 1; pass <= passes; pass++) {
        readAll(clients, blockSize, platformThreads, pass, blockMiB);
      }
    } finally {
      for (NbdClient client : clients) {
        client.close();
      }
    }
  }

  private static void readAll(
      List<NbdClient> clients, int blockSize, boolean platformThreads, int pass, int blockMiB)
      throws Exception {
    int connections = clients.size();
    long size = clients.getFirst().size();
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime();
    try (var workers =
        platformThreads
            ? Executors.newFixedThreadPool(connections)
            : Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (NbdClient client : clients) {
        done.add(
            workers.submit(
                () -> {
                  ByteBuffer buffer = ByteBuffer.allocateDirect(blockSize);
                  for (long offset; (offset = next.getAndAdd(blockSize)) < size; ) {
                    buffer.clear().limit((int) Math.min(blockSize, size - offset));
                    client.read(offset, buffer);
                  }
                  return null;
                }));
      }
      for (Future<?> future : done) {
        future.get();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double mib = size / (double) (1 << 20);
    System.out.printf(
        "cairn pass=%d connections=%d block=%dMiB threads=%s: %.0f MiB in %.2f s = %.0f MiB/s%n",
        pass,
        connections,
        blockMiB,
        platformThreads ? "platform" : "virtual",
        mib,
        seconds,
        mib / seconds);
  }
}
