package dev.cairn.vsphere.vim;

/**
 * A custom attribute's definition: its numeric key (as used in the objects' {@code customValue}),
 * name, value type, and the managed object type it applies to (empty for all).
 */
public record CustomFieldDefinition(int key, String name, String type, String managedObjectType) {}
