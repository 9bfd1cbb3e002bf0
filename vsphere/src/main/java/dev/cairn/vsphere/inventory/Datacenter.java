package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/**
 * A datacenter; {@code path} is its inventory path ({@code DC1}, or {@code Folder/DC1}), which the
 * datastore interface takes as {@code dcPath}.
 */
public record Datacenter(
    ManagedObjectReference ref,
    String name,
    ManagedObjectReference parent,
    String path,
    ManagedObjectReference vmFolder,
    ManagedObjectReference hostFolder)
    implements InventoryObject {}
