package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/** A cluster (ClusterComputeResource) and its root resource pool. */
public record Cluster(
    ManagedObjectReference ref,
    String name,
    ManagedObjectReference parent,
    ManagedObjectReference resourcePool)
    implements InventoryObject {}
