package dev.cairn.vsphere.restore;

import dev.cairn.vsphere.inventory.Cluster;
import dev.cairn.vsphere.inventory.Datacenter;
import dev.cairn.vsphere.inventory.Datastore;
import dev.cairn.vsphere.inventory.Folder;
import dev.cairn.vsphere.inventory.Host;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.Network;
import dev.cairn.vsphere.inventory.ResourcePool;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.vim.ObjectContent;
import dev.cairn.vsphere.vim.VimClient;
import dev.cairn.vsphere.vim.VirtualDeviceSpec.NetworkBacking;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link NewVmRequest} resolved against the inventory: the objects the import names. Resolving
 * changes nothing on the server, so a wrong name fails before anything is created.
 *
 * @param datacenter the datacenter of {@code datastore}; everything else is looked up in it
 * @param datastore the datastore for the VM's files and disks
 * @param pool the resource pool the VM joins
 * @param host the host to place it on, or null to let vSphere choose (DRS or the only host)
 * @param folder the VM folder
 * @param networks each network name the restored adapters use, with its backing
 * @param networkObjects the networks (port groups) of {@code networks}, for the privilege check
 */
public record Placement(
    Datacenter datacenter,
    Datastore datastore,
    ManagedObjectReference pool,
    ManagedObjectReference host,
    ManagedObjectReference folder,
    Map<String, NetworkBacking> networks,
    List<ManagedObjectReference> networkObjects) {
  public Placement {
    networks = Map.copyOf(networks);
    networkObjects = List.copyOf(networkObjects);
  }

  /**
   * Resolves {@code request}: the datastore by name, then the host, pool and folder in its
   * datacenter, and a backing for each network in {@code networkNames} (the new names, after the
   * request's map).
   *
   * @throws PlacementException naming what does not exist, is ambiguous, or is already taken
   */
  public static Placement resolve(
      VimClient client, Inventory inventory, NewVmRequest request, List<String> networkNames)
      throws IOException {
    String target = "VM " + request.vmName();
    Datastore datastore =
        single(
            inventory.datastores().stream()
                .filter(d -> d.name().equals(request.datastore()))
                .toList(),
            "datastore " + request.datastore(),
            target,
            () -> names(inventory.datastores(), Datastore::name));
    Datacenter datacenter =
        inventory
            .datacenterOf(datastore)
            .orElseThrow(
                () ->
                    new PlacementException(
                        "Cannot restore "
                            + target
                            + ": the datacenter of datastore "
                            + datastore.name()
                            + " is not in the inventory"));
    if (!datastore.accessible()) {
      throw new PlacementException(
          "Cannot restore " + target + ": datastore " + datastore.name() + " is not accessible");
    }
    for (var vm : inventory.vms()) {
      if (vm.name().equals(request.vmName())
          && inventory.datacenterOf(vm).map(d -> d.equals(datacenter)).orElse(false)) {
        throw new PlacementException(
            "Cannot restore "
                + target
                + ": datacenter "
                + datacenter.name()
                + " already has a VM of that name ("
                + vm.ref().value()
                + "); choose another --as");
      }
    }
    Host host = null;
    if (request.host() != null) {
      host =
          single(
              inventory.hosts().stream().filter(h -> h.name().equals(request.host())).toList(),
              "host " + request.host(),
              target,
              () -> names(inventory.hosts(), Host::name));
    }
    ManagedObjectReference pool = resolvePool(client, inventory, request, datacenter, host);
    ManagedObjectReference folder = resolveFolder(client, inventory, request, datacenter);
    Map<String, NetworkBacking> networks = new LinkedHashMap<>();
    List<ManagedObjectReference> networkObjects = new ArrayList<>();
    for (String name : networkNames) {
      if (!networks.containsKey(name)) {
        Network network = network(inventory, datacenter, name, target);
        networks.put(name, networkBacking(client, network, target));
        networkObjects.add(network.ref());
      }
    }
    return new Placement(
        datacenter,
        datastore,
        pool,
        host == null ? null : host.ref(),
        folder,
        networks,
        networkObjects);
  }

  private static ManagedObjectReference resolvePool(
      VimClient client, Inventory inventory, NewVmRequest request, Datacenter datacenter, Host host)
      throws IOException {
    String target = "VM " + request.vmName();
    if (request.resourcePool() != null) {
      if (request.resourcePool().contains("/")) {
        return client
            .findByInventoryPath(request.resourcePool())
            .filter(ref -> ref.type().equals("ResourcePool") || ref.type().equals("VirtualApp"))
            .orElseThrow(
                () ->
                    new PlacementException(
                        "Cannot restore "
                            + target
                            + ": no resource pool at inventory path "
                            + request.resourcePool()));
      }
      List<ResourcePool> named = new ArrayList<>();
      for (ResourcePool pool : inventory.resourcePools()) {
        if (pool.name().equals(request.resourcePool())
            && datacenter.equals(datacenterOfPool(client, inventory, pool))) {
          named.add(pool);
        }
      }
      return single(
              named,
              "resource pool " + request.resourcePool() + " in datacenter " + datacenter.name(),
              target,
              () ->
                  "name it by inventory path, such as "
                      + datacenter.path()
                      + "/host/CLUSTER/Resources")
          .ref();
    }
    if (host != null) {
      // A host's parent is its cluster or standalone compute resource, whose root pool it uses.
      for (ResourcePool pool : inventory.resourcePools()) {
        if (Objects.equals(pool.parent(), host.parent())) {
          return pool.ref();
        }
      }
      throw new PlacementException(
          "Cannot restore " + target + ": host " + host.name() + " has no resource pool");
    }
    List<ResourcePool> roots = new ArrayList<>();
    for (ResourcePool pool : inventory.resourcePools()) {
      boolean root =
          pool.parent() != null
              && (pool.parent().type().equals("ClusterComputeResource")
                  || pool.parent().type().equals("ComputeResource"));
      if (root && datacenter.equals(datacenterOfPool(client, inventory, pool))) {
        roots.add(pool);
      }
    }
    if (roots.size() == 1) {
      return roots.getFirst().ref();
    }
    throw new PlacementException(
        "Cannot restore "
            + target
            + ": datacenter "
            + datacenter.name()
            + (roots.isEmpty() ? " has no cluster or host" : " has several clusters or hosts")
            + "; choose one with --host or --resource-pool");
  }

  /**
   * The datacenter a pool belongs to. A standalone host's compute resource is not part of the
   * inventory read, so its parent folder is asked for.
   */
  private static Datacenter datacenterOfPool(
      VimClient client, Inventory inventory, ResourcePool pool) throws IOException {
    Optional<Datacenter> direct = inventory.datacenterOf(pool);
    if (direct.isPresent()) {
      return direct.get();
    }
    ManagedObjectReference owner = pool.owner();
    for (Cluster cluster : inventory.clusters()) {
      if (cluster.ref().equals(owner)) {
        return inventory.datacenterOf(cluster).orElse(null);
      }
    }
    if (owner == null) {
      return null;
    }
    Optional<ManagedObjectReference> folder =
        client
            .properties(owner, List.of("parent"))
            .flatMap(c -> c.get("parent"))
            .map(
                node -> {
                  try {
                    return ManagedObjectReference.of(node);
                  } catch (IOException e) {
                    return null;
                  }
                });
    for (Folder candidate : inventory.folders()) {
      if (folder.isPresent() && candidate.ref().equals(folder.get())) {
        return inventory.datacenterOf(candidate).orElse(null);
      }
    }
    return null;
  }

  private static ManagedObjectReference resolveFolder(
      VimClient client, Inventory inventory, NewVmRequest request, Datacenter datacenter)
      throws IOException {
    String target = "VM " + request.vmName();
    if (request.folder() == null) {
      return datacenter.vmFolder();
    }
    if (request.folder().contains("/")) {
      return client
          .findByInventoryPath(request.folder())
          .filter(ref -> ref.type().equals("Folder"))
          .orElseThrow(
              () ->
                  new PlacementException(
                      "Cannot restore "
                          + target
                          + ": no folder at inventory path "
                          + request.folder()));
    }
    List<Folder> named =
        inventory.folders().stream()
            .filter(f -> f.name().equals(request.folder()))
            .filter(f -> f.childTypes().contains("VirtualMachine"))
            .filter(f -> inventory.datacenterOf(f).map(datacenter::equals).orElse(false))
            .toList();
    return single(
            named,
            "VM folder " + request.folder() + " in datacenter " + datacenter.name(),
            target,
            () -> "name it by inventory path, such as " + datacenter.path() + "/vm/FOLDER")
        .ref();
  }

  private static Network network(
      Inventory inventory, Datacenter datacenter, String name, String target)
      throws PlacementException {
    List<Network> named =
        inventory.networks().stream()
            .filter(n -> n.name().equals(name))
            .filter(n -> inventory.datacenterOf(n).map(datacenter::equals).orElse(false))
            .toList();
    return single(
        named,
        "network " + name + " in datacenter " + datacenter.name(),
        target,
        () ->
            "map it with --network "
                + name
                + "=OTHER; networks: "
                + names(
                    inventory.networks().stream()
                        .filter(
                            n -> inventory.datacenterOf(n).map(datacenter::equals).orElse(false))
                        .toList(),
                    Network::name));
  }

  private static NetworkBacking networkBacking(VimClient client, Network network, String target)
      throws IOException {
    String name = network.name();
    ManagedObjectReference ref = network.ref();
    switch (ref.type()) {
      case "DistributedVirtualPortgroup" -> {
        ObjectContent portgroup =
            client
                .properties(ref, List.of("key", "config.distributedVirtualSwitch"))
                .orElseThrow(() -> gone(target, name));
        String key = portgroup.text("key").orElse(ref.value());
        ManagedObjectReference vswitch =
            ManagedObjectReference.of(
                portgroup
                    .get("config.distributedVirtualSwitch")
                    .orElseThrow(() -> gone(target, name)));
        String uuid =
            client
                .properties(vswitch, List.of("uuid"))
                .flatMap(c -> c.text("uuid"))
                .orElseThrow(() -> gone(target, name));
        return new NetworkBacking.DistributedPortgroup(uuid, key);
      }
      case "OpaqueNetwork" -> {
        ObjectContent opaque =
            client
                .properties(ref, List.of("summary.opaqueNetworkId", "summary.opaqueNetworkType"))
                .orElseThrow(() -> gone(target, name));
        return new NetworkBacking.OpaqueNetwork(
            opaque.text("summary.opaqueNetworkId").orElseThrow(() -> gone(target, name)),
            opaque.text("summary.opaqueNetworkType").orElseThrow(() -> gone(target, name)));
      }
      default -> {
        return new NetworkBacking.StandardNetwork(name, ref);
      }
    }
  }

  private static PlacementException gone(String target, String network) {
    return new PlacementException(
        "Cannot restore " + target + ": network " + network + " vanished while it was read");
  }

  private static <T> T single(
      List<T> found, String what, String target, java.util.function.Supplier<String> hint)
      throws PlacementException {
    if (found.size() == 1) {
      return found.getFirst();
    }
    throw new PlacementException(
        "Cannot restore "
            + target
            + ": "
            + (found.isEmpty()
                ? "there is no " + what
                : what + " matches " + found.size() + " objects")
            + " ("
            + hint.get()
            + ")");
  }

  private static <T> String names(List<T> objects, Function<T, String> name) {
    List<String> names = objects.stream().map(name).distinct().sorted().limit(10).toList();
    return names.isEmpty() ? "none" : String.join(", ", names);
  }
}
