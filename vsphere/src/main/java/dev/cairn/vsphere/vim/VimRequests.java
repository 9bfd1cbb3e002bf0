package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.XmlWriter;
import java.util.List;

/**
 * The request bodies of the vim25 methods Cairn calls, each written by hand in the order of the
 * WSDL's request type ({@code _this} first). vCenter refuses out-of-order elements while the
 * simulator does not, so each body is pinned by a golden-XML test.
 */
public final class VimRequests {
  /** The ServiceInstance every session starts from. */
  public static final ManagedObjectReference SERVICE_INSTANCE =
      new ManagedObjectReference("ServiceInstance", "ServiceInstance");

  private VimRequests() {}

  private static XmlWriter request(String method, ManagedObjectReference target) {
    XmlWriter xml = XmlWriter.request(method);
    target.writeTo(xml, "_this");
    return xml;
  }

  public static String retrieveServiceContent() {
    return request("RetrieveServiceContent", SERVICE_INSTANCE).finish();
  }

  /** The password is written into the body and nowhere else. */
  public static String login(ManagedObjectReference sessionManager, String user, String password) {
    return request("Login", sessionManager)
        .element("userName", user)
        .element("password", password)
        .finish();
  }

  public static String logout(ManagedObjectReference sessionManager) {
    return request("Logout", sessionManager).finish();
  }

  public static String retrievePropertiesEx(
      ManagedObjectReference collector, List<PropertyFilterSpec> specs, Integer maxObjects) {
    XmlWriter xml = request("RetrievePropertiesEx", collector);
    for (PropertyFilterSpec spec : specs) {
      writeFilterSpec(xml, "specSet", spec);
    }
    xml.start("options").optional("maxObjects", maxObjects).end();
    return xml.finish();
  }

  public static String continueRetrievePropertiesEx(
      ManagedObjectReference collector, String token) {
    return request("ContinueRetrievePropertiesEx", collector).element("token", token).finish();
  }

  public static String cancelRetrievePropertiesEx(ManagedObjectReference collector, String token) {
    return request("CancelRetrievePropertiesEx", collector).element("token", token).finish();
  }

  public static String createPropertyCollector(ManagedObjectReference collector) {
    return request("CreatePropertyCollector", collector).finish();
  }

  public static String destroyPropertyCollector(ManagedObjectReference collector) {
    return request("DestroyPropertyCollector", collector).finish();
  }

  public static String createFilter(
      ManagedObjectReference collector, PropertyFilterSpec spec, boolean partialUpdates) {
    XmlWriter xml = request("CreateFilter", collector);
    writeFilterSpec(xml, "spec", spec);
    return xml.element("partialUpdates", partialUpdates).finish();
  }

  public static String destroyPropertyFilter(ManagedObjectReference filter) {
    return request("DestroyPropertyFilter", filter).finish();
  }

  /**
   * @param version the version of the last update set seen, or null for the first call
   * @param maxWaitSeconds how long the server may hold the call open without updates
   */
  public static String waitForUpdatesEx(
      ManagedObjectReference collector, String version, int maxWaitSeconds) {
    return request("WaitForUpdatesEx", collector)
        .optional("version", version)
        .start("options")
        .element("maxWaitSeconds", maxWaitSeconds)
        .end()
        .finish();
  }

  public static String createContainerView(
      ManagedObjectReference viewManager,
      ManagedObjectReference container,
      List<String> types,
      boolean recursive) {
    XmlWriter xml = request("CreateContainerView", viewManager);
    container.writeTo(xml, "container");
    for (String type : types) {
      xml.element("type", type);
    }
    return xml.element("recursive", recursive).finish();
  }

  public static String destroyView(ManagedObjectReference view) {
    return request("DestroyView", view).finish();
  }

  public static String findByInventoryPath(ManagedObjectReference searchIndex, String path) {
    return request("FindByInventoryPath", searchIndex).element("inventoryPath", path).finish();
  }

  /**
   * @param datacenter where to look, or null for everywhere
   * @param instanceUuid whether {@code uuid} is the VM's instance uuid (vCenter's) rather than its
   *     BIOS uuid
   */
  public static String findByUuid(
      ManagedObjectReference searchIndex,
      ManagedObjectReference datacenter,
      String uuid,
      boolean vmSearch,
      boolean instanceUuid) {
    XmlWriter xml = request("FindByUuid", searchIndex);
    if (datacenter != null) {
      datacenter.writeTo(xml, "datacenter");
    }
    return xml.element("uuid", uuid)
        .element("vmSearch", vmSearch)
        .element("instanceUuid", instanceUuid)
        .finish();
  }

  public static String reconfigVm(ManagedObjectReference vm, VmConfigSpec spec) {
    XmlWriter xml = request("ReconfigVM_Task", vm);
    spec.writeTo(xml, "spec");
    return xml.finish();
  }

  public static String createSnapshot(
      ManagedObjectReference vm, String name, String description, boolean memory, boolean quiesce) {
    return request("CreateSnapshot_Task", vm)
        .element("name", name)
        .optional("description", description)
        .element("memory", memory)
        .element("quiesce", quiesce)
        .finish();
  }

  /** Reverts to {@code snapshot}; the optional {@code host} is left out (the VM's own host). */
  public static String revertToSnapshot(ManagedObjectReference snapshot, Boolean suppressPowerOn) {
    return request("RevertToSnapshot_Task", snapshot)
        .optional("suppressPowerOn", suppressPowerOn)
        .finish();
  }

  public static String removeSnapshot(
      ManagedObjectReference snapshot, boolean removeChildren, Boolean consolidate) {
    return request("RemoveSnapshot_Task", snapshot)
        .element("removeChildren", removeChildren)
        .optional("consolidate", consolidate)
        .finish();
  }

  /**
   * @param snapshot the snapshot whose disk state is compared, or null for the running disk
   * @param changeId the change id of the earlier state, or {@code "*"} for every allocated area
   */
  public static String queryChangedDiskAreas(
      ManagedObjectReference vm,
      ManagedObjectReference snapshot,
      int deviceKey,
      long startOffset,
      String changeId) {
    XmlWriter xml = request("QueryChangedDiskAreas", vm);
    if (snapshot != null) {
      snapshot.writeTo(xml, "snapshot");
    }
    return xml.element("deviceKey", deviceKey)
        .element("startOffset", startOffset)
        .element("changeId", changeId)
        .finish();
  }

  /** CreateVM_Task on {@code folder}; {@code host} may be null (DRS or the pool picks one). */
  public static String createVm(
      ManagedObjectReference folder,
      VmConfigSpec config,
      ManagedObjectReference pool,
      ManagedObjectReference host) {
    XmlWriter xml = request("CreateVM_Task", folder);
    config.writeTo(xml, "config");
    pool.writeTo(xml, "pool");
    if (host != null) {
      host.writeTo(xml, "host");
    }
    return xml.finish();
  }

  public static String powerOnVm(ManagedObjectReference vm, ManagedObjectReference host) {
    XmlWriter xml = request("PowerOnVM_Task", vm);
    if (host != null) {
      host.writeTo(xml, "host");
    }
    return xml.finish();
  }

  public static String powerOffVm(ManagedObjectReference vm) {
    return request("PowerOffVM_Task", vm).finish();
  }

  public static String destroy(ManagedObjectReference entity) {
    return request("Destroy_Task", entity).finish();
  }

  /**
   * ImportVApp on {@code pool} with a hand-made {@code VirtualMachineImportSpec} (no OVF): the VM
   * is created from {@code configSpec} and its disks are uploaded through the returned lease.
   */
  public static String importVApp(
      ManagedObjectReference pool,
      VmConfigSpec configSpec,
      ManagedObjectReference folder,
      ManagedObjectReference host) {
    XmlWriter xml = request("ImportVApp", pool);
    xml.start("spec", "VirtualMachineImportSpec");
    configSpec.writeTo(xml, "configSpec");
    xml.end();
    if (folder != null) {
      folder.writeTo(xml, "folder");
    }
    if (host != null) {
      host.writeTo(xml, "host");
    }
    return xml.finish();
  }

  public static String httpNfcLeaseProgress(ManagedObjectReference lease, int percent) {
    return request("HttpNfcLeaseProgress", lease).element("percent", percent).finish();
  }

  public static String httpNfcLeaseComplete(ManagedObjectReference lease) {
    return request("HttpNfcLeaseComplete", lease).finish();
  }

  /** Aborts the lease without a fault (the optional {@code fault} is left out). */
  public static String httpNfcLeaseAbort(ManagedObjectReference lease) {
    return request("HttpNfcLeaseAbort", lease).finish();
  }

  public static String hasPrivilegeOnEntity(
      ManagedObjectReference authorizationManager,
      ManagedObjectReference entity,
      String sessionId,
      List<String> privileges) {
    XmlWriter xml = request("HasPrivilegeOnEntity", authorizationManager);
    entity.writeTo(xml, "entity");
    xml.element("sessionId", sessionId);
    for (String privilege : privileges) {
      xml.element("privId", privilege);
    }
    return xml.finish();
  }

  public static String fetchUserPrivilegeOnEntities(
      ManagedObjectReference authorizationManager,
      List<ManagedObjectReference> entities,
      String userName) {
    XmlWriter xml = request("FetchUserPrivilegeOnEntities", authorizationManager);
    for (ManagedObjectReference entity : entities) {
      entity.writeTo(xml, "entities");
    }
    return xml.element("userName", userName).finish();
  }

  /** PropertyFilterSpec: propSet, objectSet (reportMissingObjectsInResults left out). */
  static void writeFilterSpec(XmlWriter xml, String element, PropertyFilterSpec spec) {
    xml.start(element);
    for (PropertySpec property : spec.propSet()) {
      xml.start("propSet").element("type", property.type());
      if (property.all()) {
        xml.element("all", true);
      }
      for (String path : property.pathSet()) {
        xml.element("pathSet", path);
      }
      xml.end();
    }
    for (ObjectSpec object : spec.objectSet()) {
      xml.start("objectSet");
      object.obj().writeTo(xml, "obj");
      xml.element("skip", object.skip());
      for (SelectionSpec selection : object.selectSet()) {
        writeSelection(xml, selection);
      }
      xml.end();
    }
    xml.end();
  }

  private static void writeSelection(XmlWriter xml, SelectionSpec selection) {
    switch (selection) {
      case SelectionSpec.Reference reference ->
          xml.start("selectSet", "SelectionSpec").element("name", reference.name()).end();
      case SelectionSpec.TraversalSpec traversal -> {
        xml.start("selectSet", "TraversalSpec");
        xml.optional("name", traversal.name());
        xml.element("type", traversal.type()).element("path", traversal.path());
        xml.element("skip", traversal.skip());
        for (SelectionSpec inner : traversal.selectSet()) {
          writeSelection(xml, inner);
        }
        xml.end();
      }
    }
  }
}
