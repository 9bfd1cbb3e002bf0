package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.util.List;
import java.util.Optional;

/**
 * A whole inventory as read at one time, each list in the server's order; {@code warnings} says
 * what could not be read (tags without the tagging service, properties the role may not see).
 */
public record Inventory(
    String server,
    String apiVersion,
    List<Datacenter> datacenters,
    List<Folder> folders,
    List<Cluster> clusters,
    List<Host> hosts,
    List<ResourcePool> resourcePools,
    List<Datastore> datastores,
    List<Network> networks,
    List<Vm> vms,
    List<String> warnings) {
  public Inventory {
    datacenters = List.copyOf(datacenters);
    folders = List.copyOf(folders);
    clusters = List.copyOf(clusters);
    hosts = List.copyOf(hosts);
    resourcePools = List.copyOf(resourcePools);
    datastores = List.copyOf(datastores);
    networks = List.copyOf(networks);
    vms = List.copyOf(vms);
    warnings = List.copyOf(warnings);
  }

  /** The VM with this name, instance uuid, inventory path or managed object id. */
  public Optional<Vm> vm(String nameOrId) {
    for (Vm vm : vms) {
      if (vm.ref().value().equals(nameOrId)
          || vm.instanceUuid().equalsIgnoreCase(nameOrId)
          || vm.path().equals(nameOrId)) {
        return Optional.of(vm);
      }
    }
    List<Vm> named = vms.stream().filter(vm -> vm.name().equals(nameOrId)).toList();
    return named.size() == 1 ? Optional.of(named.getFirst()) : Optional.empty();
  }

  /** The datacenter that holds {@code object}, following parents. */
  public Optional<Datacenter> datacenterOf(InventoryObject object) {
    ManagedObjectReference current = object.parent();
    for (int depth = 0; current != null && depth < 64; depth++) {
      for (Datacenter datacenter : datacenters) {
        if (datacenter.ref().equals(current)) {
          return Optional.of(datacenter);
        }
      }
      current = parentOf(current);
    }
    return Optional.empty();
  }

  private ManagedObjectReference parentOf(ManagedObjectReference ref) {
    for (List<? extends InventoryObject> list :
        List.of(datacenters, folders, clusters, hosts, resourcePools, datastores, networks, vms)) {
      for (InventoryObject object : list) {
        if (object.ref().equals(ref)) {
          return object.parent();
        }
      }
    }
    return null;
  }
}
