package dev.cairn.vsphere.access;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Cairn operation on vSphere and the privileges it needs, by the object they are needed on. Kept
 * in step with the table in docs/design/vsphere.md. Every role needs the read-only privileges
 * (System.Anonymous, System.View, System.Read) on the objects it sees.
 */
public enum Operation {
  /** {@code cairn vsphere inventory}: read the inventory, custom attributes and tags. */
  INVENTORY("read the inventory", Map.of(Scope.ROOT, List.of("System.View", "System.Read"))),

  /**
   * A backup over the {@code https} transport: snapshot, Changed Block Tracking, changed areas,
   * reading the snapshot's disks through the datastore interface ({@code /folder}).
   */
  BACKUP(
      "back up",
      ordered(
          Scope.ROOT,
          List.of("System.View", "System.Read"),
          Scope.VM,
          List.of(
              "VirtualMachine.State.CreateSnapshot",
              "VirtualMachine.State.RemoveSnapshot",
              "VirtualMachine.Config.ChangeTracking",
              "VirtualMachine.Provisioning.DiskRandomRead"),
          Scope.DATASTORE,
          List.of("Datastore.Browse", "Datastore.FileManagement"))),

  /**
   * A backup over the {@code nbd} transport with VDDK behind the NBD server (nbdkit's vddk plugin,
   * logging in with the same user): the snapshot and CBT privileges of {@link #BACKUP}, and what
   * VMware's VDDK guide lists for reading a snapshot's disks read-only ("Allow read-only disk
   * access", "Allow virtual machine download") instead of the datastore privileges. {@code
   * DiskRandomAccess} (read-write) is not needed: the server opens the disks read-only.
   */
  BACKUP_NBD(
      "back up over NBD",
      ordered(
          Scope.ROOT,
          List.of("System.View", "System.Read"),
          Scope.VM,
          List.of(
              "VirtualMachine.State.CreateSnapshot",
              "VirtualMachine.State.RemoveSnapshot",
              "VirtualMachine.Config.ChangeTracking",
              "VirtualMachine.Provisioning.DiskRandomRead",
              "VirtualMachine.Provisioning.GetVmFiles"))),

  /** A restore as a new VM: create it with its disks and adapters, upload the disks. */
  RESTORE_AS_NEW_VM(
      "restore as a new VM",
      ordered(
          Scope.ROOT,
          List.of("System.View", "System.Read"),
          Scope.FOLDER,
          List.of(
              "VirtualMachine.Inventory.Create",
              "VirtualMachine.Config.AddNewDisk",
              "VirtualMachine.Config.AddExistingDisk",
              "VirtualMachine.Config.ChangeTracking",
              "VirtualMachine.Interact.PowerOn"),
          Scope.RESOURCE_POOL,
          List.of("Resource.AssignVMToPool", "VApp.Import"),
          Scope.DATASTORE,
          List.of("Datastore.AllocateSpace", "Datastore.Browse", "Datastore.FileManagement"),
          Scope.NETWORK,
          List.of("Network.Assign"))),

  /**
   * A restore of one disk onto an existing, powered-off VM through the datastore interface; CBT is
   * reset after the write.
   */
  RESTORE_DISK(
      "restore a disk",
      ordered(
          Scope.ROOT,
          List.of("System.View", "System.Read"),
          Scope.VM,
          List.of("VirtualMachine.Config.ChangeTracking"),
          Scope.DATASTORE,
          List.of("Datastore.Browse", "Datastore.FileManagement")));

  private final String verb;
  private final Map<Scope, List<String>> privileges;

  Operation(String verb, Map<Scope, List<String>> privileges) {
    this.verb = verb;
    this.privileges = privileges;
  }

  /** What the operation does, for messages ("back up"). */
  public String verb() {
    return verb;
  }

  /** The privilege ids needed, by the object they are needed on, in a stable order. */
  public Map<Scope, List<String>> privileges() {
    return privileges;
  }

  @SuppressWarnings("unchecked")
  private static Map<Scope, List<String>> ordered(Object... scopesAndLists) {
    Map<Scope, List<String>> map = new LinkedHashMap<>();
    for (int i = 0; i < scopesAndLists.length; i += 2) {
      map.put((Scope) scopesAndLists[i], (List<String>) scopesAndLists[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }
}
