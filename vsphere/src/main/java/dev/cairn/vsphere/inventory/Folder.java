package dev.cairn.vsphere.inventory;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import java.util.List;

/** A folder; {@code childTypes} says what it may hold ({@code VirtualMachine}, {@code Folder}). */
public record Folder(
    ManagedObjectReference ref, String name, ManagedObjectReference parent, List<String> childTypes)
    implements InventoryObject {
  public Folder {
    childTypes = List.copyOf(childTypes);
  }
}
