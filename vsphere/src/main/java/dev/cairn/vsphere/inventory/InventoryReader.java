package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.MalformedReplyException;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.soap.XmlNode;
import dev.cairn.vsphere.vim.CustomFieldDefinition;
import dev.cairn.vsphere.vim.ObjectContent;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the inventory with few round trips: one container view over the root folder holding every
 * type Cairn shows, one RetrievePropertiesEx (paged) with a property spec per type, one read of the
 * custom attribute definitions, and the tags through {@link TagReader} when one is given.
 *
 * <p>The view lists concrete types (clusters and standalone compute resources, vApps and pools,
 * port groups of each kind) because a container view is not required to include subtypes of a type
 * it is asked for (the simulator does not).
 */
public final class InventoryReader {
  static final Map<String, List<String>> PATHS = new LinkedHashMap<>();

  static {
    PATHS.put("Datacenter", List.of("name", "parent", "vmFolder", "hostFolder"));
    PATHS.put("Folder", List.of("name", "parent", "childType"));
    PATHS.put("ClusterComputeResource", List.of("name", "parent", "resourcePool"));
    PATHS.put("ComputeResource", List.of("name", "parent", "resourcePool"));
    PATHS.put(
        "HostSystem",
        List.of(
            "name",
            "parent",
            "runtime.connectionState",
            "runtime.inMaintenanceMode",
            "config.product.version"));
    PATHS.put("ResourcePool", List.of("name", "parent", "owner"));
    PATHS.put("VirtualApp", List.of("name", "parent", "owner"));
    PATHS.put("Datastore", List.of("name", "parent", "summary"));
    PATHS.put("Network", List.of("name", "parent"));
    PATHS.put("DistributedVirtualPortgroup", List.of("name", "parent"));
    PATHS.put("OpaqueNetwork", List.of("name", "parent"));
    PATHS.put("VirtualMachine", VM_PATHS());
  }

  /** The VM properties read, for the inventory and for {@link #readVm}. */
  static List<String> VM_PATHS() {
    return List.of(
        "name",
        "parent",
        "resourcePool",
        "runtime.host",
        "runtime.powerState",
        "config.instanceUuid",
        "config.uuid",
        "config.guestId",
        "config.guestFullName",
        "config.hardware.numCPU",
        "config.hardware.numCoresPerSocket",
        "config.hardware.memoryMB",
        "config.firmware",
        "config.template",
        "config.changeTrackingEnabled",
        "config.files.vmPathName",
        "config.hardware.device",
        "customValue");
  }

  private final VimClient client;

  public InventoryReader(VimClient client) {
    this.client = client;
  }

  /**
   * Reads the whole inventory.
   *
   * @param tags reads the tags, or null to skip them; when it fails the inventory is still read and
   *     a warning says why the tags are missing
   */
  public Inventory read(TagReader tags) throws IOException {
    List<String> warnings = new ArrayList<>();
    List<ObjectContent> objects = client.allOfTypes(client.serviceContent().rootFolder(), PATHS);
    Map<ManagedObjectReference, ObjectContent> byRef = new LinkedHashMap<>();
    for (ObjectContent object : objects) {
      byRef.put(object.obj(), object);
      for (Map.Entry<String, VimFault> missing : object.missing().entrySet()) {
        warnings.add(
            "Cannot read "
                + missing.getKey()
                + " of "
                + object.obj()
                + ": "
                + missing.getValue().reason()
                + " ("
                + missing.getValue().faultType()
                + ")");
      }
    }
    Map<Integer, String> fields = customFieldNames(warnings);
    Map<ManagedObjectReference, List<Tag>> tagged = Map.of();
    if (tags != null) {
      try {
        tagged = tags.read();
      } catch (IOException e) {
        warnings.add(e.getMessage() + " (the inventory has no tags)");
      }
    }
    Map<ManagedObjectReference, String> networkNames = new HashMap<>();
    List<Datacenter> datacenters = new ArrayList<>();
    List<Folder> folders = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    List<Host> hosts = new ArrayList<>();
    List<ResourcePool> pools = new ArrayList<>();
    List<Datastore> datastores = new ArrayList<>();
    List<Network> networks = new ArrayList<>();
    for (ObjectContent object : objects) {
      switch (object.obj().type()) {
        case "Network", "DistributedVirtualPortgroup", "OpaqueNetwork" -> {
          Network network = new Network(object.obj(), name(object), ref(object, "parent"));
          networks.add(network);
          networkNames.put(network.ref(), network.name());
        }
        default -> {}
      }
    }
    List<Vm> vms = new ArrayList<>();
    for (ObjectContent object : objects) {
      ManagedObjectReference ref = object.obj();
      ManagedObjectReference parent = ref(object, "parent");
      switch (ref.type()) {
        case "Datacenter" ->
            datacenters.add(
                new Datacenter(
                    ref,
                    name(object),
                    parent,
                    pathOf(ref, byRef),
                    ref(object, "vmFolder"),
                    ref(object, "hostFolder")));
        case "Folder" ->
            folders.add(
                new Folder(
                    ref,
                    name(object),
                    parent,
                    object.get("childType").map(v -> texts(v)).orElse(List.of())));
        case "ClusterComputeResource" ->
            clusters.add(new Cluster(ref, name(object), parent, ref(object, "resourcePool")));
        case "HostSystem" ->
            hosts.add(
                new Host(
                    ref,
                    name(object),
                    parent,
                    object.text("runtime.connectionState").orElse(""),
                    object.text("runtime.inMaintenanceMode").map("true"::equals).orElse(false),
                    object.text("config.product.version").orElse("")));
        case "ResourcePool", "VirtualApp" ->
            pools.add(new ResourcePool(ref, name(object), parent, ref(object, "owner")));
        case "Datastore" -> datastores.add(datastoreOf(object, parent));
        case "VirtualMachine" ->
            vms.add(
                vmOf(
                    object,
                    pathOf(ref, byRef),
                    networkNames,
                    fields,
                    tagged.getOrDefault(ref, List.of())));
        default -> {}
      }
    }
    return new Inventory(
        client.transport().server().getRawAuthority(),
        client.serviceContent().about().apiVersion(),
        datacenters,
        folders,
        clusters,
        hosts,
        pools,
        datastores,
        networks,
        vms,
        warnings);
  }

  /**
   * Reads one VM (for a backup or restore of it): the same properties as the inventory, its path
   * from its parents, custom attributes by name; no tags.
   */
  public Vm readVm(ManagedObjectReference vm) throws IOException {
    ObjectContent object =
        client
            .properties(vm, VM_PATHS())
            .orElseThrow(
                () -> new IOException("Cannot read VM " + vm + ": the server returned nothing"));
    Map<ManagedObjectReference, ObjectContent> chain = new HashMap<>();
    chain.put(vm, object);
    ManagedObjectReference parent = ref(object, "parent");
    for (int depth = 0; parent != null && depth < 64; depth++) {
      if (parent.equals(client.serviceContent().rootFolder())) {
        break;
      }
      Optional<ObjectContent> up = client.properties(parent, List.of("name", "parent"));
      if (up.isEmpty()) {
        break;
      }
      chain.put(parent, up.get());
      parent = ref(up.get(), "parent");
    }
    Map<ManagedObjectReference, String> networkNames = new HashMap<>();
    return vmOf(
        object, pathOf(vm, chain), networkNames, customFieldNames(new ArrayList<>()), List.of());
  }

  private Map<Integer, String> customFieldNames(List<String> warnings) {
    Map<Integer, String> names = new HashMap<>();
    try {
      for (CustomFieldDefinition field : client.customFieldDefinitions()) {
        names.put(field.key(), field.name());
      }
    } catch (IOException e) {
      warnings.add(e.getMessage() + " (custom attributes are shown by key)");
    }
    return names;
  }

  static Vm vmOf(
      ObjectContent object,
      String path,
      Map<ManagedObjectReference, String> networkNames,
      Map<Integer, String> fields,
      List<Tag> tags)
      throws MalformedReplyException {
    VmDevices devices =
        object.get("config.hardware.device").isPresent()
            ? VmDevices.of(object.get("config.hardware.device").get(), networkNames)
            : new VmDevices(List.of(), List.of(), List.of());
    Map<String, String> attributes = new LinkedHashMap<>();
    if (object.get("customValue").isPresent()) {
      for (XmlNode value : object.get("customValue").get().children()) {
        int key = (int) value.longValue("key", -1);
        attributes.put(fields.getOrDefault(key, "key " + key), value.text("value", ""));
      }
    }
    return new Vm(
        object.obj(),
        name(object),
        ref(object, "parent"),
        path,
        object.text("config.instanceUuid").orElse(""),
        object.text("config.uuid").orElse(""),
        object.text("runtime.powerState").orElse(""),
        object.text("config.guestId").orElse(""),
        object.text("config.guestFullName").orElse(""),
        (int) number(object, "config.hardware.numCPU"),
        (int) number(object, "config.hardware.numCoresPerSocket"),
        number(object, "config.hardware.memoryMB"),
        object.text("config.firmware").orElse(""),
        object.text("config.template").map("true"::equals).orElse(false),
        object.text("config.changeTrackingEnabled").map("true"::equals).orElse(false),
        object.text("config.files.vmPathName").orElse(""),
        ref(object, "runtime.host"),
        ref(object, "resourcePool"),
        devices.controllers(),
        devices.disks(),
        devices.nics(),
        tags,
        attributes);
  }

  private static Datastore datastoreOf(ObjectContent object, ManagedObjectReference parent)
      throws MalformedReplyException {
    Optional<XmlNode> summary = object.get("summary");
    return new Datastore(
        object.obj(),
        name(object),
        parent,
        summary.map(s -> s.text("type", "")).orElse(""),
        summary.isPresent() ? summary.get().longValue("capacity", 0) : 0,
        summary.isPresent() ? summary.get().longValue("freeSpace", 0) : 0,
        summary.map(s -> s.text("url", "")).orElse(""),
        summary.map(s -> s.booleanValue("accessible", false)).orElse(false));
  }

  /** Names from the object up to (not including) the root folder, joined by '/'. */
  static String pathOf(ManagedObjectReference ref, Map<ManagedObjectReference, ObjectContent> byRef)
      throws MalformedReplyException {
    List<String> names = new ArrayList<>();
    ManagedObjectReference current = ref;
    for (int depth = 0; current != null && depth < 64; depth++) {
      ObjectContent object = byRef.get(current);
      if (object == null) {
        break; // the root folder (not in the view) or something the role may not see
      }
      names.addFirst(name(object));
      current = ref(object, "parent");
    }
    return String.join("/", names);
  }

  private static String name(ObjectContent object) {
    return object.text("name").orElse(object.obj().value());
  }

  private static long number(ObjectContent object, String path) {
    try {
      return object.text(path).map(Long::parseLong).orElse(0L);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static ManagedObjectReference ref(ObjectContent object, String path)
      throws MalformedReplyException {
    Optional<XmlNode> value = object.get(path);
    return value.isEmpty() || value.get().attribute("type").isEmpty()
        ? null
        : ManagedObjectReference.of(value.get());
  }

  private static List<String> texts(XmlNode array) {
    return array.children().stream().map(XmlNode::text).toList();
  }
}
