package dev.cairn.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.Extent;
import dev.cairn.nbd.NbdUrl;
import dev.cairn.nbd.testing.ExternalTool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Block-status helpers for tests: the whole map from the client, and nbdinfo's for comparison. */
final class Extents {
  private Extents() {}

  /** All extents of {@code context}, asking again from where each answer ends, merged. */
  static List<Extent> all(NbdClient client, String context) throws IOException {
    List<Extent> extents = new ArrayList<>();
    long offset = 0;
    while (offset < client.size()) {
      List<Extent> part = client.blockStatus(context, offset, client.size() - offset);
      assertThat(part).isNotEmpty();
      assertThat(part.getFirst().offset()).isEqualTo(offset);
      assertThat(part.getLast().end()).isLessThanOrEqualTo(client.size());
      extents.addAll(part);
      offset = part.getLast().end();
    }
    return merged(extents);
  }

  /** What {@code nbdinfo --map=CONTEXT} reports, merged. */
  static List<Extent> nbdinfo(NbdUrl url, String context) throws IOException, InterruptedException {
    String output = ExternalTool.run("nbdinfo", "--map=" + context, url.toString());
    List<Extent> extents = new ArrayList<>();
    for (String line : output.strip().split("\n")) {
      String[] fields = line.strip().split("\\s+");
      extents.add(
          new Extent(
              Long.parseLong(fields[0]), Long.parseLong(fields[1]), Integer.parseInt(fields[2])));
    }
    return merged(extents);
  }

  /** Joins neighbours with equal flags, since servers may split a run differently per request. */
  static List<Extent> merged(List<Extent> extents) {
    List<Extent> merged = new ArrayList<>();
    for (Extent extent : extents) {
      if (!merged.isEmpty()
          && merged.getLast().flags() == extent.flags()
          && merged.getLast().end() == extent.offset()) {
        Extent last = merged.removeLast();
        merged.add(new Extent(last.offset(), last.length() + extent.length(), last.flags()));
      } else {
        merged.add(extent);
      }
    }
    return merged;
  }
}
