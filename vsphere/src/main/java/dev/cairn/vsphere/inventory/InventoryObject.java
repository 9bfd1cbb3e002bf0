package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/** What every inventory entry has: its reference, name and parent (null for the root). */
public sealed interface InventoryObject
    permits Datacenter, Folder, Cluster, Host, ResourcePool, Datastore, Network, Vm {
  ManagedObjectReference ref();

  String name();

  ManagedObjectReference parent();
}
