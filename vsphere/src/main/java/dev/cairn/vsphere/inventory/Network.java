package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/** A network: a standard port group ({@code Network}), a distributed port group, or opaque. */
public record Network(ManagedObjectReference ref, String name, ManagedObjectReference parent)
    implements InventoryObject {}
