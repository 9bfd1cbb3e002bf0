package dev.cairn.benchmarks.disk;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reproducible synthetic VM disk images for benchmarks.
 *
 * <p>Day 1 is laid out in 1 MiB regions whose kinds are a seeded shuffle of exact proportions: 35%
 * all-zero (left as holes: the file is created with {@code setLength} and zero regions are never
 * written), 35% random bytes, 20% log-like text (compresses about 3-4x with zstd) and 10% copies of
 * an earlier non-zero region. Day 2 is a sparse-aware copy of day 1 where a fraction of the 64 KiB
 * blocks, picked uniformly from the seed, get new content (half random, half text); the changed
 * extents file lists {@code OFFSET LENGTH} in bytes, one per line, sorted, adjacent blocks merged.
 *
 * <p>{@code --sparse-size} makes a mostly-sparse image instead: 8 MiB of data in eight 1 MiB
 * regions (the first, the last and six seeded ones) and holes everywhere else.
 *
 * <p>Every byte is a pure function of the seed, the size and the region or block index (the PRNG is
 * an explicit SplitMix64, not a JDK class), so the same arguments give the same bytes on any JVM
 * and any thread count.
 *
 * <pre>
 * java -cp benchmarks/target/cairn-benchmarks.jar dev.cairn.benchmarks.disk.SyntheticDisk \
 *     --size 4G --seed 42 --out day1.img \
 *     [--day2 day2.img --changed-extents day2.extents --change-fraction 0.02] [--threads N]
 * java -cp benchmarks/target/cairn-benchmarks.jar dev.cairn.benchmarks.disk.SyntheticDisk \
 *     --sparse-size 64G --seed 42 --out sparse.img
 * </pre>
 */
public final class SyntheticDisk {

  /** Layout granularity of day 1. */
  public static final int REGION = 1 << 20;

  /** Change granularity of day 2. */
  public static final int BLOCK = 64 << 10;

  private static final int BLOCKS_PER_REGION = REGION / BLOCK;

  /** Regions handled (and at most written) at once: 4 MiB writes. */
  private static final int REGIONS_PER_BATCH = 4;

  private static final int BATCH = REGIONS_PER_BATCH * REGION;

  /** Data regions of a {@code --sparse-size} image. */
  static final int SPARSE_DATA_REGIONS = 8;

  private static final long SALT_LAYOUT = 0x4c41594f55543031L;
  private static final long SALT_REGION = 0x524547494f4e3031L;
  private static final long SALT_CHANGES = 0x4348414e47453031L;
  private static final long SALT_BLOCK = 0x424c4f434b303031L;

  private SyntheticDisk() {}

  /** What a 1 MiB region of day 1 holds. */
  public enum Kind {
    ZERO,
    RANDOM,
    TEXT,
    DUP
  }

  /** Generator arguments; {@code day2} and {@code extents} are both null or both set. */
  public record Options(
      long size,
      boolean sparse,
      long seed,
      Path out,
      Path day2,
      Path extents,
      double changeFraction,
      int threads) {
    public Options {
      if (size <= 0) {
        throw new IllegalArgumentException("size must be positive");
      }
      if ((day2 == null) != (extents == null)) {
        throw new IllegalArgumentException("day2 and extents go together");
      }
      if (!(changeFraction >= 0 && changeFraction <= 1)) {
        throw new IllegalArgumentException("change fraction must be in [0, 1]");
      }
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1");
      }
    }
  }

  /** Bytes of each kind in day 1 (DUP bytes copy RANDOM or TEXT content). */
  public record Day1Stats(
      long size, long zeroBytes, long randomBytes, long textBytes, long dupBytes, double seconds) {
    public long dataBytes() {
      return randomBytes + textBytes + dupBytes;
    }
  }

  /** Changes applied to make day 2. */
  public record Day2Stats(
      long changedBlocks,
      long changedBytes,
      long randomBytes,
      long textBytes,
      int extents,
      double seconds) {}

  /** Both results; {@code day2} is null when no day 2 was asked for. */
  public record Result(Day1Stats day1, Day2Stats day2) {}

  /**
   * Region kinds of day 1 and, for each region, the region whose content it holds ({@code source[i]
   * == i} except for duplicates, which point at a RANDOM or TEXT region; -1 for zero regions).
   */
  record Layout(long size, long seed, Kind[] kinds, int[] source) {
    int regions() {
      return kinds.length;
    }

    int regionLength(int region) {
      return (int) Math.min(REGION, size - (long) region * REGION);
    }

    static Layout dense(long size, long seed) {
      int n = regionCount(size);
      Kind[] kinds = new Kind[n];
      int zero = (int) Math.round(n * 0.35);
      int random = (int) Math.round(n * 0.35);
      int text = (int) Math.round(n * 0.20);
      int i = 0;
      for (; i < zero; i++) {
        kinds[i] = Kind.ZERO;
      }
      for (; i < zero + random && i < n; i++) {
        kinds[i] = Kind.RANDOM;
      }
      for (; i < zero + random + text && i < n; i++) {
        kinds[i] = Kind.TEXT;
      }
      for (; i < n; i++) {
        kinds[i] = Kind.DUP;
      }
      Rng rng = new Rng(mix(seed, SALT_LAYOUT, 0));
      for (int j = n - 1; j > 0; j--) {
        int k = rng.nextInt(j + 1);
        Kind t = kinds[j];
        kinds[j] = kinds[k];
        kinds[k] = t;
      }
      int[] source = new int[n];
      int[] originals = new int[n];
      int originalCount = 0;
      for (int r = 0; r < n; r++) {
        switch (kinds[r]) {
          case ZERO -> source[r] = -1;
          case RANDOM, TEXT -> {
            source[r] = r;
            originals[originalCount++] = r;
          }
          case DUP -> {
            if (originalCount == 0) {
              // Nothing earlier to copy: the region becomes an original of its own.
              kinds[r] = Kind.RANDOM;
              source[r] = r;
              originals[originalCount++] = r;
            } else {
              source[r] = originals[rng.nextInt(originalCount)];
            }
          }
        }
      }
      return new Layout(size, seed, kinds, source);
    }

    static Layout sparse(long size, long seed) {
      int n = regionCount(size);
      Kind[] kinds = new Kind[n];
      Arrays.fill(kinds, Kind.ZERO);
      int[] source = new int[n];
      Arrays.fill(source, -1);
      Rng rng = new Rng(mix(seed, SALT_LAYOUT, 1));
      int placed = 0;
      int[] wanted = new int[Math.min(SPARSE_DATA_REGIONS, n)];
      wanted[placed++] = 0;
      if (n > 1 && placed < wanted.length) {
        wanted[placed++] = n - 1;
      }
      while (placed < wanted.length) {
        int r = rng.nextInt(n);
        boolean taken = false;
        for (int j = 0; j < placed; j++) {
          taken |= wanted[j] == r;
        }
        if (!taken) {
          wanted[placed++] = r;
        }
      }
      for (int j = 0; j < wanted.length; j++) {
        int r = wanted[j];
        kinds[r] = (j % 2 == 0) ? Kind.RANDOM : Kind.TEXT;
        source[r] = r;
      }
      return new Layout(size, seed, kinds, source);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Entry points

  public static void main(String[] args) throws IOException {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("SyntheticDisk: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    Result result = generate(options);
    System.out.println(summary(options, result));
  }

  static final String USAGE =
      """
      usage: SyntheticDisk (--size SIZE | --sparse-size SIZE) --out FILE [--seed N]
                           [--day2 FILE [--changed-extents FILE] [--change-fraction F]] [--threads N]
        SIZE takes K, M, G, T suffixes (binary: 4G = 4 GiB).
        --changed-extents defaults to the day-2 path with ".extents" appended.
        --change-fraction defaults to 0.02; --seed to 42; --threads to the processor count.""";

  /** Generates day 1 (and day 2 if asked) as {@link Options} say. */
  public static Result generate(Options options) throws IOException {
    Layout layout =
        options.sparse()
            ? Layout.sparse(options.size(), options.seed())
            : Layout.dense(options.size(), options.seed());
    Day1Stats day1 = writeDay1(layout, options.out(), options.threads());
    Day2Stats day2 = null;
    if (options.day2() != null) {
      day2 =
          writeDay2(
              layout,
              options.out(),
              options.day2(),
              options.extents(),
              options.changeFraction(),
              options.threads());
    }
    return new Result(day1, day2);
  }

  static String summary(Options options, Result result) {
    Day1Stats d = result.day1();
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%s: size=%d zero=%d random=%d text=%d dup=%d written=%d seed=%d in %.2fs (%.0f MiB/s"
                + " of image)",
            options.out(),
            d.size(),
            d.zeroBytes(),
            d.randomBytes(),
            d.textBytes(),
            d.dupBytes(),
            d.dataBytes(),
            options.seed(),
            d.seconds(),
            d.size() / 1048576.0 / Math.max(d.seconds(), 1e-9)));
    Day2Stats c = result.day2();
    if (c != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              "; %s: changed_blocks=%d changed=%d (random=%d text=%d) extents=%d -> %s in %.2fs",
              options.day2(),
              c.changedBlocks(),
              c.changedBytes(),
              c.randomBytes(),
              c.textBytes(),
              c.extents(),
              options.extents(),
              c.seconds()));
    }
    return sb.toString();
  }

  static Options parse(String[] args) {
    long size = -1;
    boolean sparse = false;
    long seed = 42;
    Path out = null;
    Path day2 = null;
    Path extents = null;
    double fraction = 0.02;
    int threads = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(USAGE);
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--size", "--sparse-size" -> {
          if (size >= 0) {
            throw new IllegalArgumentException("give one of --size and --sparse-size");
          }
          size = parseSize(v);
          sparse = a.equals("--sparse-size");
        }
        case "--seed" -> seed = Long.parseLong(v);
        case "--out" -> out = Path.of(v);
        case "--day2" -> day2 = Path.of(v);
        case "--changed-extents" -> extents = Path.of(v);
        case "--change-fraction" -> fraction = Double.parseDouble(v);
        case "--threads" -> threads = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (size < 0) {
      throw new IllegalArgumentException("--size or --sparse-size is required");
    }
    if (out == null) {
      throw new IllegalArgumentException("--out is required");
    }
    if (extents != null && day2 == null) {
      throw new IllegalArgumentException("--changed-extents needs --day2");
    }
    if (day2 != null && extents == null) {
      extents = Path.of(day2 + ".extents");
    }
    return new Options(size, sparse, seed, out, day2, extents, fraction, threads);
  }

  /** Parses {@code 4G}, {@code 256M}, {@code 64K}, {@code 1T} (binary units) or plain bytes. */
  public static long parseSize(String s) {
    String t = s.trim().toUpperCase(Locale.ROOT);
    if (t.endsWith("IB")) {
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
      t = t.substring(0, t.length() - 1);
    }
    long unit = 1;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'K' -> unit = 1L << 10;
        case 'M' -> unit = 1L << 20;
        case 'G' -> unit = 1L << 30;
        case 'T' -> unit = 1L << 40;
        default -> unit = 1;
      }
    }
    if (unit != 1) {
      t = t.substring(0, t.length() - 1);
    }
    try {
      long n = Long.parseLong(t);
      if (n <= 0) {
        throw new IllegalArgumentException("size must be positive: " + s);
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("bad size: " + s, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Day 1

  static Day1Stats writeDay1(Layout layout, Path out, int threads) throws IOException {
    long start = System.nanoTime();
    long[] bytes = new long[Kind.values().length];
    for (int r = 0; r < layout.regions(); r++) {
      bytes[layout.kinds()[r].ordinal()] += layout.regionLength(r);
    }
    try (FileChannel ch = createSparse(out, layout.size())) {
      int batches = batchCount(layout.regions());
      parallel(
          threads,
          batches,
          (batch, buf, scratch) -> {
            int first = batch * REGIONS_PER_BATCH;
            int last = Math.min(first + REGIONS_PER_BATCH, layout.regions());
            buf.clear();
            for (int r = first; r < last; r++) {
              if (layout.source()[r] >= 0) {
                fillRegion(layout, r, buf, (r - first) * REGION, scratch);
              }
            }
            // Write maximal runs of non-zero regions; zero regions stay holes.
            int r = first;
            while (r < last) {
              if (layout.source()[r] < 0) {
                r++;
                continue;
              }
              int runStart = r;
              long len = 0;
              while (r < last && layout.source()[r] >= 0) {
                len += layout.regionLength(r);
                r++;
              }
              writeFully(ch, buf, (runStart - first) * REGION, (int) len, (long) runStart * REGION);
            }
          });
    }
    double secs = (System.nanoTime() - start) / 1e9;
    return new Day1Stats(
        layout.size(),
        bytes[Kind.ZERO.ordinal()],
        bytes[Kind.RANDOM.ordinal()],
        bytes[Kind.TEXT.ordinal()],
        bytes[Kind.DUP.ordinal()],
        secs);
  }

  /** Fills a full region's worth of {@code buf} at {@code at} with the content of region r. */
  private static void fillRegion(Layout layout, int r, ByteBuffer buf, int at, byte[] scratch) {
    int src = layout.source()[r];
    Rng rng = new Rng(mix(layout.seed(), SALT_REGION, src));
    fillContent(layout.kinds()[src], rng, buf, at, REGION, scratch);
  }

  private static void fillContent(
      Kind kind, Rng rng, ByteBuffer buf, int at, int len, byte[] scratch) {
    switch (kind) {
      case RANDOM -> fillRandom(rng, buf, at, len);
      case TEXT -> {
        Text.fill(rng, scratch, len);
        buf.put(at, scratch, 0, len);
      }
      default -> throw new IllegalStateException("no content for " + kind);
    }
  }

  private static void fillRandom(Rng rng, ByteBuffer buf, int at, int len) {
    int end = at + len;
    int i = at;
    for (; i + 8 <= end; i += 8) {
      buf.putLong(i, rng.nextLong());
    }
    if (i < end) {
      long v = rng.nextLong();
      for (; i < end; i++, v >>>= 8) {
        buf.put(i, (byte) v);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Day 2

  static Day2Stats writeDay2(
      Layout layout, Path day1, Path day2, Path extentsFile, double fraction, int threads)
      throws IOException {
    long start = System.nanoTime();
    long size = layout.size();
    int[] changed = pickChangedBlocks(size, layout.seed(), fraction);
    // firstChangedOfRegion[r] = index in `changed` of the first changed block at or after region r
    int[] firstChangedOfRegion = new int[layout.regions() + 1];
    {
      int p = 0;
      for (int r = 0; r <= layout.regions(); r++) {
        long firstBlock = (long) r * BLOCKS_PER_REGION;
        while (p < changed.length && changed[p] < firstBlock) {
          p++;
        }
        firstChangedOfRegion[r] = p;
      }
    }
    AtomicLong randomBytes = new AtomicLong();
    AtomicLong textBytes = new AtomicLong();
    try (FileChannel in = FileChannel.open(day1, StandardOpenOption.READ);
        FileChannel ch = createSparse(day2, size)) {
      int batches = batchCount(layout.regions());
      parallel(
          threads,
          batches,
          (batch, buf, scratch) -> {
            int firstRegion = batch * REGIONS_PER_BATCH;
            int lastRegion = Math.min(firstRegion + REGIONS_PER_BATCH, layout.regions());
            long base = (long) firstRegion * REGION;
            int blocksInBatch =
                (int) ((Math.min(size, (long) lastRegion * REGION) - base + BLOCK - 1) / BLOCK);
            boolean[] dirty = new boolean[blocksInBatch];
            buf.clear();
            // Copy the non-hole regions of day 1.
            int r = firstRegion;
            while (r < lastRegion) {
              if (layout.source()[r] < 0) {
                r++;
                continue;
              }
              int runStart = r;
              long len = 0;
              while (r < lastRegion && layout.source()[r] >= 0) {
                len += layout.regionLength(r);
                r++;
              }
              int at = (runStart - firstRegion) * REGION;
              readFully(in, buf, at, (int) len, (long) runStart * REGION);
              for (int b = at / BLOCK; b < (at + len + BLOCK - 1) / BLOCK; b++) {
                dirty[b] = true;
              }
            }
            // Overwrite the changed blocks.
            long rnd = 0;
            long txt = 0;
            for (int p = firstChangedOfRegion[firstRegion];
                p < firstChangedOfRegion[lastRegion];
                p++) {
              int block = changed[p];
              long off = (long) block * BLOCK;
              int len = (int) Math.min(BLOCK, size - off);
              int at = (int) (off - base);
              Rng rng = new Rng(mix(layout.seed(), SALT_BLOCK, block));
              if ((rng.nextLong() & 1) == 0) {
                fillRandom(rng, buf, at, len);
                rnd += len;
              } else {
                Text.fill(rng, scratch, len);
                buf.put(at, scratch, 0, len);
                txt += len;
              }
              dirty[at / BLOCK] = true;
            }
            randomBytes.addAndGet(rnd);
            textBytes.addAndGet(txt);
            // Write maximal runs of dirty blocks.
            int b = 0;
            while (b < blocksInBatch) {
              if (!dirty[b]) {
                b++;
                continue;
              }
              int runStart = b;
              while (b < blocksInBatch && dirty[b]) {
                b++;
              }
              long off = base + (long) runStart * BLOCK;
              long end = Math.min(size, base + (long) b * BLOCK);
              writeFully(ch, buf, runStart * BLOCK, (int) (end - off), off);
            }
          });
    }
    int extents = writeExtents(changed, size, extentsFile);
    double secs = (System.nanoTime() - start) / 1e9;
    long changedBytes = randomBytes.get() + textBytes.get();
    return new Day2Stats(
        changed.length, changedBytes, randomBytes.get(), textBytes.get(), extents, secs);
  }

  /** A sorted, uniform random choice of round(fraction * blocks) distinct 64 KiB blocks. */
  static int[] pickChangedBlocks(long size, long seed, double fraction) {
    long blocks = (size + BLOCK - 1) / BLOCK;
    if (blocks > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("image too large for day 2");
    }
    int n = (int) blocks;
    int k = (int) Math.min(n, Math.round(fraction * n));
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    Rng rng = new Rng(mix(seed, SALT_CHANGES, 0));
    for (int i = 0; i < k; i++) {
      int j = i + rng.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    int[] chosen = Arrays.copyOf(all, k);
    Arrays.sort(chosen);
    return chosen;
  }

  /** Writes merged {@code OFFSET LENGTH} lines; returns the number of extents. */
  static int writeExtents(int[] sortedBlocks, long size, Path file) throws IOException {
    int count = 0;
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      int i = 0;
      while (i < sortedBlocks.length) {
        int first = sortedBlocks[i];
        int last = first;
        i++;
        while (i < sortedBlocks.length && sortedBlocks[i] == last + 1) {
          last = sortedBlocks[i];
          i++;
        }
        long off = (long) first * BLOCK;
        long end = Math.min(size, (long) (last + 1) * BLOCK);
        w.write(off + " " + (end - off));
        w.newLine();
        count++;
      }
    }
    return count;
  }

  // ---------------------------------------------------------------------------------------------
  // I/O and threading

  private static FileChannel createSparse(Path path, long size) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // Truncate first so that no old data survives in what must be holes.
    try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
      raf.setLength(0);
      raf.setLength(size);
    }
    return FileChannel.open(path, StandardOpenOption.WRITE);
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf, int at, int len, long position)
      throws IOException {
    ByteBuffer slice = buf.slice(at, len);
    long pos = position;
    while (slice.hasRemaining()) {
      pos += ch.write(slice, pos);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, int at, int len, long position)
      throws IOException {
    ByteBuffer slice = buf.slice(at, len);
    long pos = position;
    while (slice.hasRemaining()) {
      int n = ch.read(slice, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file at " + pos);
      }
      pos += n;
    }
  }

  static int regionCount(long size) {
    long n = (size + REGION - 1) / REGION;
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("image too large");
    }
    return (int) n;
  }

  private static int batchCount(int regions) {
    return (regions + REGIONS_PER_BATCH - 1) / REGIONS_PER_BATCH;
  }

  @FunctionalInterface
  private interface BatchTask {
    void run(int batch, ByteBuffer buf, byte[] scratch) throws IOException;
  }

  /**
   * Runs batches 0..n-1 on {@code threads} workers, each with its own 4 MiB direct buffer and 1 MiB
   * scratch array. Every batch touches its own byte range, so the order does not matter.
   */
  private static void parallel(int threads, int n, BatchTask task) throws IOException {
    int workers = Math.max(1, Math.min(threads, n));
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        futures.add(
            pool.submit(
                () -> {
                  ByteBuffer buf = ByteBuffer.allocateDirect(BATCH).order(ByteOrder.LITTLE_ENDIAN);
                  byte[] scratch = new byte[REGION];
                  for (int b = next.getAndIncrement(); b < n; b = next.getAndIncrement()) {
                    task.run(b, buf, scratch);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
          next.set(n);
          Throwable c = e.getCause();
          if (c instanceof IOException io) {
            throw io;
          }
          if (c instanceof UncheckedIOException u) {
            throw u.getCause();
          }
          if (c instanceof RuntimeException re) {
            throw re;
          }
          throw new IOException(c);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Randomness

  /** SplitMix64 finaliser over (seed, salt, index). */
  static long mix(long seed, long salt, long index) {
    return Rng.mix64(seed * 0x9E3779B97F4A7C15L + Rng.mix64(salt ^ index * 0xD1B54A32D192ED03L));
  }

  /** SplitMix64: tiny, fast and fixed here so that images do not depend on the JDK. */
  static final class Rng {
    private long state;

    Rng(long seed) {
      this.state = seed;
    }

    static long mix64(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }

    long nextLong() {
      return mix64(state += 0x9E3779B97F4A7C15L);
    }

    /** Uniform in [0, bound) by multiply-shift (bias below 2^-32 per draw, fine here). */
    int nextInt(int bound) {
      return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Text

  /**
   * Log-like text: timestamped lines of words from a fixed vocabulary (skewed towards the common
   * ones) mixed with numbers, hex ids, key=value pairs and paths. zstd -3 makes it about 3-4x
   * smaller.
   */
  static final class Text {
    private Text() {}

    private static final byte[][] WORDS =
        split(
            """
        the of and to in is for on with that by this from at as be are was it or an not have
        has will can all new one more data file disk block backup restore snapshot volume image
        repository chunk index pack key value user system service server client request response
        error warning info debug trace failed success ok started stopped completed running waiting
        retry timeout connection connected disconnected closed open read write sync flush commit
        rollback transaction session token cache hit miss evict load store fetch send receive
        queue worker thread pool task job schedule cron daemon process pid signal exit code status
        kernel driver device network interface address port host node cluster zone region
        primary replica leader follower election vote term log entry offset length size bytes
        total free used memory cpu load average latency throughput rate limit quota policy
        config option parameter setting default value enabled disabled true false null none
        http https get post put delete head patch api version path query header body json xml
        database table row column schema migration query select insert update where order group
        sql postgres mysql redis kafka nginx apache java python linux windows ubuntu debian
        virtual machine guest hypervisor qemu kvm libvirt vmware proxmox domain vm vcpu vram
        mount unmount filesystem ext4 xfs btrfs zfs partition sector inode directory permission
        denied granted access owner group mode checksum hash sha256 crc32 verify verified valid
        invalid corrupt missing found created removed deleted renamed moved copied skipped
        ignored processed handled accepted rejected received sent queued dropped lost recovered
        the user requested a new session for the account and the server accepted it after
        authentication with the configured provider while the backup job was still running
        on the primary node because the scheduler had not yet released the previous lock
        morning evening today yesterday monday tuesday wednesday thursday friday saturday sunday
        alpha beta gamma delta epsilon release build deploy rollout canary stable nightly
        upstream downstream proxy gateway balancer endpoint route handler middleware filter
        certificate tls ssl handshake cipher encrypt decrypt signature public private secret
        """);

    private static final byte[][] LEVELS = split("INFO INFO INFO INFO INFO DEBUG DEBUG WARN ERROR");
    private static final byte[][] COMPONENTS =
        split("sched worker http db storage net auth backup gc raft");
    private static final byte[][] KEYS = split("id= size= took_ms= retries= offset= len= port=");
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static byte[][] split(String words) {
      String[] parts = words.trim().split("\\s+");
      byte[][] out = new byte[parts.length][];
      for (int i = 0; i < parts.length; i++) {
        out[i] = parts[i].getBytes(StandardCharsets.US_ASCII);
      }
      return out;
    }

    static int vocabularySize() {
      return WORDS.length;
    }

    /** Fills dst[0, len) with text. */
    static void fill(Rng rng, byte[] dst, int len) {
      int pos = 0;
      // A day and a starting time of day; lines advance it by a few milliseconds.
      int day = 1 + rng.nextInt(28);
      long ms = rng.nextInt(86_400_000);
      while (pos < len) {
        ms = (ms + rng.nextInt(250)) % 86_400_000L;
        pos = timestamp(dst, pos, len, day, ms);
        pos = put(dst, pos, len, LEVELS[rng.nextInt(LEVELS.length)]);
        pos = putByte(dst, pos, len, (byte) ' ');
        pos = putByte(dst, pos, len, (byte) '[');
        pos = put(dst, pos, len, COMPONENTS[rng.nextInt(COMPONENTS.length)]);
        pos = putByte(dst, pos, len, (byte) '-');
        pos = number(dst, pos, len, rng.nextInt(8));
        pos = putByte(dst, pos, len, (byte) ']');
        int words = 4 + rng.nextInt(10);
        for (int w = 0; w < words && pos < len; w++) {
          pos = putByte(dst, pos, len, (byte) ' ');
          int pick = rng.nextInt(100);
          if (pick < 88) {
            // Skewed towards the start of the vocabulary, like real text.
            long u = rng.nextLong() >>> 33;
            int idx = (int) ((((u * u) >>> 31) * u >>> 31) * WORDS.length >>> 31);
            pos = put(dst, pos, len, WORDS[idx]);
          } else if (pick < 96) {
            pos = put(dst, pos, len, KEYS[rng.nextInt(KEYS.length)]);
            pos = number(dst, pos, len, rng.nextInt(rng.nextInt(4) == 0 ? 10_000 : 1000));
          } else if (pick < 99) {
            pos = number(dst, pos, len, rng.nextInt(10_000));
          } else {
            long h = rng.nextLong();
            for (int k = 0; k < 8 && pos < len; k++, h >>>= 4) {
              dst[pos++] = HEX[(int) (h & 15)];
            }
          }
        }
        pos = putByte(dst, pos, len, (byte) '\n');
      }
    }

    private static int put(byte[] dst, int pos, int len, byte[] src) {
      int n = Math.min(src.length, len - pos);
      System.arraycopy(src, 0, dst, pos, n);
      return pos + n;
    }

    private static int putByte(byte[] dst, int pos, int len, byte b) {
      if (pos < len) {
        dst[pos++] = b;
      }
      return pos;
    }

    private static int number(byte[] dst, int pos, int len, int v) {
      int digits = 1;
      for (int t = v; t >= 10; t /= 10) {
        digits++;
      }
      int end = pos + digits;
      for (int i = end - 1; i >= pos; i--, v /= 10) {
        if (i < len) {
          dst[i] = (byte) ('0' + v % 10);
        }
      }
      return Math.min(end, len);
    }

    private static int two(byte[] dst, int pos, int len, int v) {
      pos = putByte(dst, pos, len, (byte) ('0' + v / 10));
      return putByte(dst, pos, len, (byte) ('0' + v % 10));
    }

    private static final byte[] DATE_PREFIX = "2025-03-".getBytes(StandardCharsets.US_ASCII);

    private static int timestamp(byte[] dst, int pos, int len, int day, long ms) {
      pos = put(dst, pos, len, DATE_PREFIX);
      pos = two(dst, pos, len, day);
      pos = putByte(dst, pos, len, (byte) 'T');
      long s = ms / 1000;
      pos = two(dst, pos, len, (int) (s / 3600));
      pos = putByte(dst, pos, len, (byte) ':');
      pos = two(dst, pos, len, (int) (s / 60 % 60));
      pos = putByte(dst, pos, len, (byte) ':');
      pos = two(dst, pos, len, (int) (s % 60));
      pos = putByte(dst, pos, len, (byte) '.');
      int frac = (int) (ms % 1000);
      pos = putByte(dst, pos, len, (byte) ('0' + frac / 100));
      pos = two(dst, pos, len, frac % 100);
      pos = putByte(dst, pos, len, (byte) 'Z');
      return putByte(dst, pos, len, (byte) ' ');
    }
  }
}
