package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/** A resource pool (or vApp); {@code owner} is the cluster or standalone host it belongs to. */
public record ResourcePool(
    ManagedObjectReference ref,
    String name,
    ManagedObjectReference parent,
    ManagedObjectReference owner)
    implements InventoryObject {}
