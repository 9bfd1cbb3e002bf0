package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;

/**
 * An ESXi host; {@code parent} is its cluster, or the ComputeResource of a standalone host.
 *
 * @param connectionState {@code connected}, {@code disconnected} or {@code notResponding}
 * @param version the ESXi version ({@code 8.0.2}), empty when unknown
 */
public record Host(
    ManagedObjectReference ref,
    String name,
    ManagedObjectReference parent,
    String connectionState,
    boolean inMaintenanceMode,
    String version)
    implements InventoryObject {}
