package dev.cairn.qemu.block;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.qemu.qmp.QmpClient;
import dev.cairn.qemu.qmp.QmpCommandException;
import dev.cairn.qemu.qmp.QmpException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A snapshot of QEMU's block layer: the block backends of guest devices ({@code query-block}), the
 * named nodes ({@code query-named-block-nodes}) and who uses whom ({@code
 * x-debug-query-block-graph}). Immutable once read; read it again after changing the graph.
 *
 * <p>The disks of a {@code qemu-system-*} are its block backends with an image inserted; the disks
 * of a {@code qemu-storage-daemon}, which has no guest devices, are the nodes no other node uses.
 * Read-only images (CD-ROMs) and empty drives are not disks to back up. Under a filter node
 * (throttle, copy-on-read) the disk is the node beneath it, which holds the data and the bitmaps.
 */
public final class BlockGraph {
  // Filters pass I/O through to their "file" child and cannot store bitmaps themselves.
  private static final Set<String> FILTER_DRIVERS =
      Set.of("throttle", "copy-on-read", "copy-before-write", "preallocate", "compress");

  private final Map<String, JsonNode> nodes;
  private final List<JsonNode> backends;
  private final Map<String, String> fileChildOf;
  private final Set<String> usedByNodes;
  private final boolean graphKnown;

  private BlockGraph(
      Map<String, JsonNode> nodes,
      List<JsonNode> backends,
      Map<String, String> fileChildOf,
      Set<String> usedByNodes,
      boolean graphKnown) {
    this.nodes = nodes;
    this.backends = backends;
    this.fileChildOf = fileChildOf;
    this.usedByNodes = usedByNodes;
    this.graphKnown = graphKnown;
  }

  /** Reads the block layer of the QEMU behind {@code qmp}. */
  public static BlockGraph read(QmpClient qmp) throws QmpException {
    Map<String, JsonNode> nodes = new LinkedHashMap<>();
    for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of("flat", true))) {
      nodes.put(node.path("node-name").asText(), node);
    }
    List<JsonNode> backends = new ArrayList<>();
    qmp.execute("query-block").forEach(backends::add);
    Map<String, String> fileChildOf = new HashMap<>();
    Set<String> usedByNodes = new HashSet<>();
    boolean graphKnown = true;
    try {
      // The only QMP view of parent/child edges in QEMU 7.2; "x-debug" marks it unstable, so
      // without it only disks of guest devices or explicitly named nodes can be backed up.
      JsonNode graph = qmp.execute("x-debug-query-block-graph");
      Map<Long, JsonNode> byId = new HashMap<>();
      graph.path("nodes").forEach(n -> byId.put(n.path("id").asLong(), n));
      for (JsonNode edge : graph.path("edges")) {
        JsonNode parent = byId.get(edge.path("parent").asLong());
        JsonNode child = byId.get(edge.path("child").asLong());
        if (parent == null
            || child == null
            || !"block-driver".equals(parent.path("type").asText())) {
          continue;
        }
        usedByNodes.add(child.path("name").asText());
        if ("file".equals(edge.path("name").asText())) {
          fileChildOf.put(parent.path("name").asText(), child.path("name").asText());
        }
      }
    } catch (QmpCommandException e) {
      if (!"CommandNotFound".equals(e.errorClass())) {
        throw e;
      }
      graphKnown = false;
    }
    return new BlockGraph(nodes, backends, fileChildOf, usedByNodes, graphKnown);
  }

  /**
   * Every disk worth backing up: writable images behind guest devices; for a QEMU without guest
   * devices (a storage daemon), every writable node that no other node uses. Empty when QEMU has
   * devices without images only, or cannot show its node graph.
   */
  public List<QemuDisk> disks() {
    List<QemuDisk> disks = new ArrayList<>();
    if (!backends.isEmpty()) {
      for (JsonNode backend : backends) {
        deviceDisk(backend).filter(disk -> !disk.readOnly()).ifPresent(disks::add);
      }
      return disks;
    }
    if (graphKnown) {
      for (String name : nodes.keySet()) {
        if (!usedByNodes.contains(name) && !name.startsWith("cairn-")) {
          nodeDisk(name).filter(disk -> !disk.readOnly()).ifPresent(disks::add);
        }
      }
    }
    return disks;
  }

  /**
   * The disk that {@code id} names: a drive id, a guest device id or QOM path, or a node name (of
   * any node, used or not, read-only or not).
   */
  public Optional<QemuDisk> find(String id) {
    for (JsonNode backend : backends) {
      Optional<QemuDisk> disk = deviceDisk(backend).filter(d -> d.answersTo(id));
      if (disk.isPresent()) {
        return disk;
      }
    }
    return nodes.containsKey(id) ? nodeDisk(id) : Optional.empty();
  }

  /** Whether QEMU showed its node graph; without it storage-daemon disks must be named. */
  public boolean graphKnown() {
    return graphKnown;
  }

  /** The names of all named nodes, including the ones QEMU generated. */
  public Set<String> nodeNames() {
    return nodes.keySet();
  }

  /** Whether another node uses {@code nodeName} as a child (a backing file, a filter's child). */
  public boolean usedByAnotherNode(String nodeName) {
    return usedByNodes.contains(nodeName);
  }

  /** The dirty bitmaps of a node, empty for an unknown node. */
  public List<DirtyBitmap> bitmapsOf(String nodeName) {
    JsonNode node = nodes.get(nodeName);
    List<DirtyBitmap> bitmaps = new ArrayList<>();
    if (node == null) {
      return bitmaps;
    }
    for (JsonNode b : node.path("dirty-bitmaps")) {
      // Nameless bitmaps belong to running jobs (a backup's copy-before-write filter).
      if (b.hasNonNull("name")) {
        bitmaps.add(
            new DirtyBitmap(
                b.get("name").asText(),
                b.path("recording").asBoolean(),
                b.path("busy").asBoolean(),
                b.path("persistent").asBoolean(),
                b.path("inconsistent").asBoolean(),
                b.path("granularity").asLong(),
                b.path("count").asLong()));
      }
    }
    return bitmaps;
  }

  private Optional<QemuDisk> deviceDisk(JsonNode backend) {
    JsonNode inserted = backend.get("inserted");
    if (inserted == null || !inserted.hasNonNull("node-name")) {
      return Optional.empty(); // an empty drive: a CD-ROM without a medium
    }
    String root = inserted.get("node-name").asText();
    String node = beneathFilters(root);
    Optional<String> device = text(backend, "device");
    Optional<String> qdev = text(backend, "qdev");
    JsonNode info = nodes.get(node);
    String format = info != null ? info.path("drv").asText() : inserted.path("drv").asText();
    long size =
        info != null
            ? info.path("image").path("virtual-size").asLong()
            : inserted.path("image").path("virtual-size").asLong();
    QemuDisk unnamed =
        new QemuDisk(
            node,
            node,
            device,
            qdev,
            format,
            size,
            inserted.path("ro").asBoolean(),
            bitmapsOf(node));
    String name =
        device.or(unnamed::deviceId).orElse(node.startsWith("#") ? qdev.orElse(node) : node);
    return Optional.of(
        new QemuDisk(
            name, node, device, qdev, format, size, unnamed.readOnly(), unnamed.bitmaps()));
  }

  private Optional<QemuDisk> nodeDisk(String name) {
    String node = beneathFilters(name);
    JsonNode info = nodes.get(node);
    if (info == null) {
      return Optional.empty();
    }
    return Optional.of(
        new QemuDisk(
            name.equals(node) ? node : name,
            node,
            Optional.empty(),
            Optional.empty(),
            info.path("drv").asText(),
            info.path("image").path("virtual-size").asLong(),
            info.path("ro").asBoolean(),
            bitmapsOf(node)));
  }

  private String beneathFilters(String node) {
    String current = node;
    for (int depth = 0; depth < 16; depth++) {
      JsonNode info = nodes.get(current);
      String child = fileChildOf.get(current);
      if (info == null || child == null || !FILTER_DRIVERS.contains(info.path("drv").asText())) {
        return current;
      }
      current = child;
    }
    return current;
  }

  private static Optional<String> text(JsonNode parent, String field) {
    return Optional.ofNullable(parent.get(field))
        .map(JsonNode::asText)
        .filter(value -> !value.isEmpty());
  }
}
