package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/**
 * A datastore.
 *
 * @param type {@code VMFS}, {@code NFS}, {@code vsan}, {@code vvol}...
 * @param url its URL on the hosts ({@code ds:///vmfs/volumes/...})
 */
public record Datastore(
    ManagedObjectReference ref,
    String name,
    ManagedObjectReference parent,
    String type,
    long capacityBytes,
    long freeBytes,
    String url,
    boolean accessible)
    implements InventoryObject {}
