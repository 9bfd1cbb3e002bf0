package dev.cairn.engine.source;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a sparse file has data, from the kernel ({@code lseek} with {@code SEEK_DATA} and {@code
 * SEEK_HOLE}, through the JDK's foreign function API; the JDK has no API for it). Reading a 4 GiB
 * image whose third is holes costs seconds of kernel time here that skipping them saves. Answers
 * empty (unknown: read everything) on any failure, on systems without these calls, and for maps of
 * more than {@link #MAXIMUM_EXTENTS} extents (memory stays bounded).
 */
final class SparseFiles {
  static final int MAXIMUM_EXTENTS = 1 << 20;
  private static final int O_RDONLY = 0;
  private static final int SEEK_DATA = 3;
  private static final int SEEK_HOLE = 4;

  private SparseFiles() {}

  private static final class Calls {
    static final MethodHandle OPEN;
    static final MethodHandle LSEEK;
    static final MethodHandle CLOSE;

    static {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      OPEN =
          linker.downcallHandle(
              libc.find("open").orElseThrow(),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.ADDRESS,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT),
              Linker.Option.firstVariadicArg(2));
      LSEEK =
          linker.downcallHandle(
              libc.find("lseek").orElseThrow(),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT));
      CLOSE =
          linker.downcallHandle(
              libc.find("close").orElseThrow(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
  }

  /** The data extents of the first {@code size} bytes of {@code path}, or empty if unknown. */
  static Optional<List<ChangedExtents.Extent>> dataExtents(Path path, long size) {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return Optional.empty();
    }
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) Calls.OPEN.invokeExact(arena.allocateFrom(path.toString()), O_RDONLY, 0);
      if (fd < 0) {
        return Optional.empty();
      }
      try {
        List<ChangedExtents.Extent> extents = new ArrayList<>();
        long position = 0;
        while (position < size) {
          long data = (long) Calls.LSEEK.invokeExact(fd, position, SEEK_DATA);
          if (data < 0 || data >= size) {
            break; // ENXIO: no data after position
          }
          long hole = (long) Calls.LSEEK.invokeExact(fd, data, SEEK_HOLE);
          if (hole < 0 || hole > size) {
            hole = size;
          }
          if (hole <= data) {
            return Optional.empty(); // the file is changing or the answer makes no sense
          }
          extents.add(new ChangedExtents.Extent(data, hole - data));
          if (extents.size() > MAXIMUM_EXTENTS) {
            return Optional.empty();
          }
          position = hole;
        }
        return Optional.of(extents);
      } finally {
        int ignored = (int) Calls.CLOSE.invokeExact(fd);
      }
    } catch (Throwable unavailable) {
      // No native access, no libc, or an unexpected failure: read the whole file instead.
      return Optional.empty();
    }
  }
}
