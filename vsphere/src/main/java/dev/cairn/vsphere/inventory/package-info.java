/**
 * Discovery of a vSphere inventory: datacenters, folders, clusters, hosts, resource pools,
 * datastores, networks and VMs with their disks, NICs, tags and custom attributes, read with a few
 * PropertyCollector round trips ({@link dev.cairn.vsphere.inventory.InventoryReader}) and tags
 * through the vAPI REST interface ({@link dev.cairn.vsphere.inventory.TagReader}).
 */
package dev.cairn.vsphere.inventory;
