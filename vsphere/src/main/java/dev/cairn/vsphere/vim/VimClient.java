package dev.cairn.vsphere.vim;

import dev.cairn.vsphere.soap.MalformedReplyException;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.SoapTransport;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.soap.XmlNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A vim25 session with one vCenter or ESXi host, and the typed calls Cairn makes.
 *
 * <p>{@link #connect} reads the service content; {@link #login} opens the session and keeps the
 * credentials so that a call answered with {@code NotAuthenticated} (the session expired or was
 * closed by an administrator) logs in once more and is retried once. Objects tied to the old
 * session (container views, filters, collectors made by the caller) are gone after that; calls on
 * them then fail with {@code ManagedObjectNotFound}.
 *
 * <p>Methods ending in {@code _Task} on the server return the task here; {@link #waitForTask}
 * awaits it through a property filter and {@code WaitForUpdatesEx} on a collector of its own (so
 * that several threads may await tasks at once) and returns its result or throws its fault.
 *
 * <p>Thread-safe. The password stays in this object only; it is never part of a message or {@code
 * toString}. {@link #close} logs out.
 */
public final class VimClient implements AutoCloseable {
  /** How long one WaitForUpdatesEx may wait on the server before it returns empty. */
  static final int WAIT_SECONDS = 60;

  /** Objects per RetrievePropertiesEx page; the server may return fewer. */
  static final int PAGE_SIZE = 500;

  private final SoapTransport transport;
  private final ServiceContent content;
  private volatile String user;
  private volatile String password;
  private volatile UserSession session;

  private VimClient(SoapTransport transport, ServiceContent content) {
    this.transport = transport;
    this.content = content;
  }

  /**
   * Connects (without logging in) and reads the service content.
   *
   * @param url the SDK endpoint, {@code https://HOST/sdk}
   * @param warnings receives one-line warnings (plain http, no certificate check)
   */
  public static VimClient connect(
      URI url, TrustOptions trust, SoapOptions options, Consumer<String> warnings)
      throws IOException {
    return over(SoapTransport.open(url, trust, options, warnings));
  }

  /** A client over an open transport; reads the service content. */
  public static VimClient over(SoapTransport transport) throws IOException {
    XmlNode reply =
        transport.call(
            "RetrieveServiceContent",
            VimRequests.SERVICE_INSTANCE,
            VimRequests.retrieveServiceContent(),
            Duration.ZERO);
    return new VimClient(transport, serviceContentOf(reply.required("returnval")));
  }

  static ServiceContent serviceContentOf(XmlNode value) throws MalformedReplyException {
    XmlNode about = value.required("about");
    return new ServiceContent(
        reference(value, "rootFolder"),
        reference(value, "propertyCollector"),
        reference(value, "viewManager"),
        new AboutInfo(
            about.text("name", ""),
            about.text("fullName", ""),
            about.text("version", ""),
            about.text("build", ""),
            about.text("apiType", ""),
            about.text("apiVersion", ""),
            about.text("instanceUuid", "")),
        reference(value, "sessionManager"),
        optionalReference(value, "authorizationManager"),
        optionalReference(value, "customFieldsManager"),
        optionalReference(value, "searchIndex"),
        optionalReference(value, "fileManager"),
        optionalReference(value, "virtualDiskManager"),
        optionalReference(value, "ovfManager"));
  }

  private static ManagedObjectReference reference(XmlNode parent, String name)
      throws MalformedReplyException {
    return ManagedObjectReference.of(parent.required(name));
  }

  private static Optional<ManagedObjectReference> optionalReference(XmlNode parent, String name)
      throws MalformedReplyException {
    Optional<XmlNode> node = parent.child(name);
    return node.isEmpty() ? Optional.empty() : Optional.of(ManagedObjectReference.of(node.get()));
  }

  public ServiceContent serviceContent() {
    return content;
  }

  /** The transport (its HTTP client and session cookie serve the datastore interface too). */
  public SoapTransport transport() {
    return transport;
  }

  /** The logged-in session, if any. */
  public Optional<UserSession> session() {
    return Optional.ofNullable(session);
  }

  /**
   * Logs in and keeps the credentials for re-login.
   *
   * @throws VimFault.InvalidLogin when the user name or password is refused
   */
  public synchronized UserSession login(String userName, String secret) throws IOException {
    transport.clearSession();
    XmlNode reply =
        transport.call(
            "Login",
            content.sessionManager(),
            VimRequests.login(content.sessionManager(), userName, secret),
            Duration.ZERO);
    XmlNode value = reply.required("returnval");
    UserSession opened =
        new UserSession(
            value.text("key", ""), value.text("userName", userName), value.text("fullName", ""));
    this.user = userName;
    this.password = secret;
    this.session = opened;
    return opened;
  }

  /** Logs out and forgets the credentials; does nothing without a session. */
  public synchronized void logout() throws IOException {
    password = null;
    if (!transport.hasSession()) {
      return;
    }
    try {
      transport.call(
          "Logout",
          content.sessionManager(),
          VimRequests.logout(content.sessionManager()),
          Duration.ZERO);
    } catch (VimFault.NotAuthenticated alreadyGone) {
      // the session expired already: logged out is what was wanted
    } finally {
      transport.clearSession();
      session = null;
    }
  }

  /** Logs out, ignoring failures (the session expires on the server anyway). */
  @Override
  public void close() {
    try {
      logout();
    } catch (IOException ignored) {
      // best effort: an unreachable server drops the session after its idle timeout
    }
  }

  /**
   * Calls {@code method} on {@code target}; on {@code NotAuthenticated} after a login, logs in
   * again and retries once.
   *
   * @return the {@code <methodResponse>} element
   */
  public XmlNode invoke(String method, ManagedObjectReference target, String body)
      throws IOException {
    return invoke(method, target, body, Duration.ZERO);
  }

  private XmlNode invoke(String method, ManagedObjectReference target, String body, Duration wait)
      throws IOException {
    UserSession before = session;
    try {
      return transport.call(method, target, body, wait);
    } catch (VimFault.NotAuthenticated e) {
      synchronized (this) {
        String secret = password;
        if (secret == null) {
          throw e;
        }
        // Threads that met the expired session together log in once: the first one replaces
        // the session, the others see it changed and only retry.
        if (session == before) {
          login(user, secret);
        }
      }
      return transport.call(method, target, body, wait);
    }
  }

  // ---------------------------------------------------------------- PropertyCollector

  /**
   * One page of RetrievePropertiesEx (at most {@code maxObjects}, null for the server's choice).
   */
  public RetrieveResult retrievePropertiesEx(List<PropertyFilterSpec> specs, Integer maxObjects)
      throws IOException {
    ManagedObjectReference collector = content.propertyCollector();
    XmlNode reply =
        invoke(
            "RetrievePropertiesEx",
            collector,
            VimRequests.retrievePropertiesEx(collector, specs, maxObjects));
    return retrieveResultOf(reply.child("returnval"));
  }

  /** The next page after {@code token}. */
  public RetrieveResult continueRetrievePropertiesEx(String token) throws IOException {
    ManagedObjectReference collector = content.propertyCollector();
    XmlNode reply =
        invoke(
            "ContinueRetrievePropertiesEx",
            collector,
            VimRequests.continueRetrievePropertiesEx(collector, token));
    return retrieveResultOf(reply.child("returnval"));
  }

  /** Frees the server's pages after {@code token} when the caller stops early. */
  public void cancelRetrievePropertiesEx(String token) throws IOException {
    ManagedObjectReference collector = content.propertyCollector();
    invoke(
        "CancelRetrievePropertiesEx",
        collector,
        VimRequests.cancelRetrievePropertiesEx(collector, token));
  }

  /** Every object the specs select, all pages read ({@value #PAGE_SIZE} objects a page). */
  public List<ObjectContent> retrieve(List<PropertyFilterSpec> specs) throws IOException {
    List<ObjectContent> all = new ArrayList<>();
    RetrieveResult page = retrievePropertiesEx(specs, PAGE_SIZE);
    all.addAll(page.objects());
    while (page.token().isPresent()) {
      page = continueRetrievePropertiesEx(page.token().get());
      all.addAll(page.objects());
    }
    return all;
  }

  /** The given properties of one object; empty when the server returns nothing for it. */
  public Optional<ObjectContent> properties(ManagedObjectReference object, List<String> paths)
      throws IOException {
    List<ObjectContent> found =
        retrieve(
            List.of(
                new PropertyFilterSpec(
                    List.of(PropertySpec.of(object.type(), paths)),
                    List.of(ObjectSpec.of(object)))));
    return found.stream().filter(c -> c.obj().equals(object)).findFirst();
  }

  static RetrieveResult retrieveResultOf(Optional<XmlNode> value) throws MalformedReplyException {
    // An empty result comes back as no returnval at all.
    if (value.isEmpty()) {
      return new RetrieveResult(List.of(), Optional.empty());
    }
    List<ObjectContent> objects = new ArrayList<>();
    for (XmlNode object : value.get().all("objects")) {
      objects.add(objectContentOf(object));
    }
    Optional<String> token = value.get().text("token").filter(t -> !t.isEmpty());
    return new RetrieveResult(objects, token);
  }

  static ObjectContent objectContentOf(XmlNode object) throws MalformedReplyException {
    ManagedObjectReference obj = ManagedObjectReference.of(object.required("obj"));
    Map<String, XmlNode> properties = new LinkedHashMap<>();
    for (XmlNode property : object.all("propSet")) {
      Optional<XmlNode> val = property.child("val");
      if (val.isPresent()) {
        properties.put(property.required("name").text(), val.get());
      }
    }
    Map<String, VimFault> missing = new LinkedHashMap<>();
    for (XmlNode property : object.all("missingSet")) {
      String path = property.text("path", "");
      XmlNode fault = property.required("fault");
      Optional<XmlNode> detail = fault.child("fault");
      String action = "read " + path + " of " + obj;
      String message = fault.text("localizedMessage", "");
      missing.put(
          path,
          detail.isPresent()
              ? VimFault.of(action, detail.get(), message)
              : VimFault.untyped(action, "MissingProperty", message));
    }
    return new ObjectContent(obj, properties, missing);
  }

  // ---------------------------------------------------------------- views

  /** A view of the objects of {@code types} under {@code container}; destroy it after use. */
  public ManagedObjectReference createContainerView(
      ManagedObjectReference container, List<String> types, boolean recursive) throws IOException {
    ManagedObjectReference manager = content.viewManager();
    XmlNode reply =
        invoke(
            "CreateContainerView",
            manager,
            VimRequests.createContainerView(manager, container, types, recursive));
    return ManagedObjectReference.of(reply.required("returnval"));
  }

  public void destroyView(ManagedObjectReference view) throws IOException {
    invoke("DestroyView", view, VimRequests.destroyView(view));
  }

  /**
   * Every object of the given types under {@code container} (recursively) with the properties
   * listed per type: one container view, one filter spec with a property spec per type, all pages;
   * the view is destroyed afterwards.
   */
  public List<ObjectContent> allOfTypes(
      ManagedObjectReference container, Map<String, List<String>> pathsByType) throws IOException {
    ManagedObjectReference view =
        createContainerView(container, List.copyOf(pathsByType.keySet()), true);
    try {
      List<PropertySpec> properties = new ArrayList<>();
      pathsByType.forEach((type, paths) -> properties.add(PropertySpec.of(type, paths)));
      SelectionSpec viewContents =
          new SelectionSpec.TraversalSpec("view", "ContainerView", "view", false, List.of());
      return retrieve(
          List.of(
              new PropertyFilterSpec(
                  properties, List.of(new ObjectSpec(view, true, List.of(viewContents))))));
    } finally {
      try {
        destroyView(view);
      } catch (IOException e) {
        // The view dies with the session; a failure to drop it early costs nothing lasting.
      }
    }
  }

  /** {@link #allOfTypes} for one type, from the root folder. */
  public List<ObjectContent> allOfType(String type, List<String> paths) throws IOException {
    return allOfTypes(content.rootFolder(), Map.of(type, paths));
  }

  // ---------------------------------------------------------------- tasks

  /** {@link #waitForTask(ManagedObjectReference, IntConsumer)} without progress. */
  public TaskInfo waitForTask(ManagedObjectReference task) throws IOException {
    return waitForTask(task, percent -> {});
  }

  /**
   * Waits until {@code task} succeeds or fails, watching its {@code info} through a filter on a
   * collector of its own and WaitForUpdatesEx (each call held open up to {@value #WAIT_SECONDS} s
   * on the server; no polling).
   *
   * @param progress receives the task's progress in percent as it changes
   * @return the final info, with the result (if the task has one)
   * @throws VimFault the task's fault when it failed
   */
  public TaskInfo waitForTask(ManagedObjectReference task, IntConsumer progress)
      throws IOException {
    int[] lastProgress = {-1};
    return watch(
        task,
        "info",
        val -> {
          TaskInfo info = TaskInfo.of(val);
          if (info.progress() != lastProgress[0] && info.state().equals("running")) {
            lastProgress[0] = info.progress();
            progress.accept(lastProgress[0]);
          }
          if (info.error().isPresent()) {
            throw info.error().get();
          }
          return info.done() ? Optional.of(info) : Optional.empty();
        });
  }

  /** Decides from a property's new value whether the wait is over. */
  @FunctionalInterface
  interface Outcome<T> {
    Optional<T> of(XmlNode value) throws IOException;
  }

  /**
   * Watches property {@code path} of {@code object} with a filter on a collector of its own and
   * WaitForUpdatesEx, until {@code outcome} returns a value (or throws).
   */
  private <T> T watch(ManagedObjectReference object, String path, Outcome<T> outcome)
      throws IOException {
    ManagedObjectReference root = content.propertyCollector();
    ManagedObjectReference collector =
        ManagedObjectReference.of(
            invoke("CreatePropertyCollector", root, VimRequests.createPropertyCollector(root))
                .required("returnval"));
    try {
      PropertyFilterSpec spec =
          new PropertyFilterSpec(
              List.of(PropertySpec.of(object.type(), List.of(path))),
              List.of(ObjectSpec.of(object)));
      invoke("CreateFilter", collector, VimRequests.createFilter(collector, spec, false));
      String version = null;
      while (true) {
        XmlNode reply =
            invoke(
                "WaitForUpdatesEx",
                collector,
                VimRequests.waitForUpdatesEx(collector, version, WAIT_SECONDS),
                Duration.ofSeconds(WAIT_SECONDS));
        Optional<XmlNode> updates = reply.child("returnval");
        if (updates.isEmpty()) {
          continue; // the wait ran out without a change
        }
        version = updates.get().text("version", version);
        for (XmlNode filter : updates.get().all("filterSet")) {
          for (XmlNode changed : filter.all("objectSet")) {
            for (XmlNode change : changed.all("changeSet")) {
              Optional<XmlNode> val = change.child("val");
              if (!change.text("name", "").equals(path) || val.isEmpty()) {
                continue;
              }
              Optional<T> done = outcome.of(val.get());
              if (done.isPresent()) {
                return done.get();
              }
            }
          }
        }
      }
    } finally {
      try {
        invoke(
            "DestroyPropertyCollector", collector, VimRequests.destroyPropertyCollector(collector));
      } catch (IOException e) {
        // It dies with the session; the outcome matters more than the cleanup.
      }
    }
  }

  // ---------------------------------------------------------------- search

  /** The object at {@code path} ({@code DC1/vm/Folder/VM1}), if any. */
  public Optional<ManagedObjectReference> findByInventoryPath(String path) throws IOException {
    ManagedObjectReference index = required(content.searchIndex(), "SearchIndex");
    XmlNode reply =
        invoke("FindByInventoryPath", index, VimRequests.findByInventoryPath(index, path));
    Optional<XmlNode> value = reply.child("returnval");
    return value.isEmpty() ? Optional.empty() : Optional.of(ManagedObjectReference.of(value.get()));
  }

  /** The VM with this instance uuid (or BIOS uuid when {@code instanceUuid} is false), if any. */
  public Optional<ManagedObjectReference> findVmByUuid(String uuid, boolean instanceUuid)
      throws IOException {
    ManagedObjectReference index = required(content.searchIndex(), "SearchIndex");
    XmlNode reply =
        invoke("FindByUuid", index, VimRequests.findByUuid(index, null, uuid, true, instanceUuid));
    Optional<XmlNode> value = reply.child("returnval");
    return value.isEmpty() ? Optional.empty() : Optional.of(ManagedObjectReference.of(value.get()));
  }

  private ManagedObjectReference required(Optional<ManagedObjectReference> manager, String what)
      throws IOException {
    return manager.orElseThrow(
        () ->
            new IOException(
                "Cannot use the "
                    + what
                    + " of "
                    + transport.endpoint().getRawAuthority()
                    + ": the server has none"));
  }

  // ---------------------------------------------------------------- VM operations

  /** Starts ReconfigVM_Task; returns the task. */
  public ManagedObjectReference reconfigVm(ManagedObjectReference vm, VmConfigSpec spec)
      throws IOException {
    return task("ReconfigVM_Task", vm, VimRequests.reconfigVm(vm, spec));
  }

  /** Starts CreateSnapshot_Task; the task's result is the snapshot. */
  public ManagedObjectReference createSnapshot(
      ManagedObjectReference vm, String name, String description, boolean memory, boolean quiesce)
      throws IOException {
    return task(
        "CreateSnapshot_Task",
        vm,
        VimRequests.createSnapshot(vm, name, description, memory, quiesce));
  }

  /** Starts RemoveSnapshot_Task; {@code consolidate} null leaves the server's default (true). */
  public ManagedObjectReference removeSnapshot(
      ManagedObjectReference snapshot, boolean removeChildren, Boolean consolidate)
      throws IOException {
    return task(
        "RemoveSnapshot_Task",
        snapshot,
        VimRequests.removeSnapshot(snapshot, removeChildren, consolidate));
  }

  /**
   * The areas of disk {@code deviceKey} changed since {@code changeId} (or allocated, for {@code
   * "*"}), from {@code startOffset}; call again from the end of the covered range until the
   * capacity is reached.
   */
  public DiskChangeInfo queryChangedDiskAreas(
      ManagedObjectReference vm,
      ManagedObjectReference snapshot,
      int deviceKey,
      long startOffset,
      String changeId)
      throws IOException {
    XmlNode reply =
        invoke(
            "QueryChangedDiskAreas",
            vm,
            VimRequests.queryChangedDiskAreas(vm, snapshot, deviceKey, startOffset, changeId));
    XmlNode value = reply.required("returnval");
    List<DiskChangeInfo.Area> areas = new ArrayList<>();
    for (XmlNode area : value.all("changedArea")) {
      areas.add(new DiskChangeInfo.Area(area.longValue("start", 0), area.longValue("length", 0)));
    }
    return new DiskChangeInfo(
        value.longValue("startOffset", startOffset), value.longValue("length", 0), areas);
  }

  /** Starts CreateVM_Task in {@code folder}; the task's result is the VM. */
  public ManagedObjectReference createVm(
      ManagedObjectReference folder,
      VmConfigSpec config,
      ManagedObjectReference pool,
      ManagedObjectReference host)
      throws IOException {
    return task("CreateVM_Task", folder, VimRequests.createVm(folder, config, pool, host));
  }

  public ManagedObjectReference powerOnVm(ManagedObjectReference vm, ManagedObjectReference host)
      throws IOException {
    return task("PowerOnVM_Task", vm, VimRequests.powerOnVm(vm, host));
  }

  public ManagedObjectReference powerOffVm(ManagedObjectReference vm) throws IOException {
    return task("PowerOffVM_Task", vm, VimRequests.powerOffVm(vm));
  }

  /**
   * Starts RevertToSnapshot_Task: the VM's disks go back to {@code snapshot} (vSphere resets
   * Changed Block Tracking); {@code suppressPowerOn} keeps a VM whose snapshot was taken running
   * from being powered on.
   */
  public ManagedObjectReference revertToSnapshot(
      ManagedObjectReference snapshot, boolean suppressPowerOn) throws IOException {
    return task(
        "RevertToSnapshot_Task", snapshot, VimRequests.revertToSnapshot(snapshot, suppressPowerOn));
  }

  /** Starts Destroy_Task (deletes a VM and its files, or another managed entity). */
  public ManagedObjectReference destroy(ManagedObjectReference entity) throws IOException {
    return task("Destroy_Task", entity, VimRequests.destroy(entity));
  }

  private ManagedObjectReference task(String method, ManagedObjectReference target, String body)
      throws IOException {
    return ManagedObjectReference.of(invoke(method, target, body).required("returnval"));
  }

  // ---------------------------------------------------------------- import lease

  /**
   * Starts ImportVApp on {@code pool} with {@code configSpec} (disks thin or thick as given, their
   * files uploaded through the lease); returns the HttpNfcLease. {@code folder} and {@code host}
   * may be null.
   */
  public ManagedObjectReference importVApp(
      ManagedObjectReference pool,
      VmConfigSpec configSpec,
      ManagedObjectReference folder,
      ManagedObjectReference host)
      throws IOException {
    return ManagedObjectReference.of(
        invoke("ImportVApp", pool, VimRequests.importVApp(pool, configSpec, folder, host))
            .required("returnval"));
  }

  /**
   * Waits until {@code lease} is ready (its state watched through WaitForUpdatesEx) and returns its
   * info.
   *
   * @throws VimFault the lease's error when it failed (for example the VM could not be created)
   */
  public NfcLease awaitLease(ManagedObjectReference lease) throws IOException {
    String state =
        watch(
            lease,
            "state",
            val ->
                val.text().equals("ready") || val.text().equals("error")
                    ? Optional.of(val.text())
                    : Optional.empty());
    if (state.equals("error")) {
      Optional<ObjectContent> error = properties(lease, List.of("error"));
      Optional<XmlNode> fault = error.flatMap(e -> e.get("error"));
      String action = "import through lease " + lease.value();
      if (fault.isPresent() && fault.get().child("fault").isPresent()) {
        throw VimFault.of(
            action, fault.get().required("fault"), fault.get().text("localizedMessage", ""));
      }
      throw VimFault.untyped(action, "HttpNfcLeaseError", "the lease ended in state error");
    }
    XmlNode info =
        properties(lease, List.of("info"))
            .flatMap(c -> c.get("info"))
            .orElseThrow(
                () ->
                    new MalformedReplyException(
                        "Cannot read the info of lease " + lease.value() + ": none returned"));
    List<NfcLease.DeviceUrl> urls = new ArrayList<>();
    for (XmlNode url : info.all("deviceUrl")) {
      urls.add(
          new NfcLease.DeviceUrl(
              url.text("key", ""),
              url.text("importKey", ""),
              url.text("url", ""),
              url.text("sslThumbprint", ""),
              url.booleanValue("disk", false),
              url.text("targetId", "")));
    }
    return new NfcLease(
        lease,
        ManagedObjectReference.of(info.required("entity")),
        urls,
        info.longValue("totalDiskCapacityInKB", 0),
        (int) info.longValue("leaseTimeout", 0));
  }

  /** Reports upload progress (also keeps the lease from timing out). */
  public void leaseProgress(ManagedObjectReference lease, int percent) throws IOException {
    invoke("HttpNfcLeaseProgress", lease, VimRequests.httpNfcLeaseProgress(lease, percent));
  }

  /** Ends the lease successfully once every file is uploaded. */
  public void leaseComplete(ManagedObjectReference lease) throws IOException {
    invoke("HttpNfcLeaseComplete", lease, VimRequests.httpNfcLeaseComplete(lease));
  }

  /** Ends the lease as failed (the server removes the partly imported VM). */
  public void leaseAbort(ManagedObjectReference lease) throws IOException {
    invoke("HttpNfcLeaseAbort", lease, VimRequests.httpNfcLeaseAbort(lease));
  }

  // ---------------------------------------------------------------- authorization

  /**
   * Which of {@code privileges} this session holds on {@code entity}, in the given order
   * (HasPrivilegeOnEntity with the session's key).
   */
  public Map<String, Boolean> hasPrivilegeOnEntity(
      ManagedObjectReference entity, List<String> privileges) throws IOException {
    ManagedObjectReference manager =
        required(content.authorizationManager(), "AuthorizationManager");
    UserSession current = session;
    if (current == null) {
      throw new IOException("Cannot check privileges on " + entity + ": not logged in");
    }
    XmlNode reply =
        invoke(
            "HasPrivilegeOnEntity",
            manager,
            VimRequests.hasPrivilegeOnEntity(manager, entity, current.key(), privileges));
    List<XmlNode> values = reply.all("returnval");
    if (values.size() != privileges.size()) {
      throw new MalformedReplyException(
          "Cannot check privileges on "
              + entity
              + ": asked for "
              + privileges.size()
              + ", answered "
              + values.size());
    }
    Map<String, Boolean> held = new LinkedHashMap<>();
    for (int i = 0; i < privileges.size(); i++) {
      held.put(privileges.get(i), values.get(i).text().equals("true"));
    }
    return held;
  }

  /** The privileges {@code userName} holds on each of {@code entities}. */
  public Map<ManagedObjectReference, List<String>> fetchUserPrivilegeOnEntities(
      List<ManagedObjectReference> entities, String userName) throws IOException {
    ManagedObjectReference manager =
        required(content.authorizationManager(), "AuthorizationManager");
    XmlNode reply =
        invoke(
            "FetchUserPrivilegeOnEntities",
            manager,
            VimRequests.fetchUserPrivilegeOnEntities(manager, entities, userName));
    Map<ManagedObjectReference, List<String>> result = new LinkedHashMap<>();
    for (XmlNode value : reply.all("returnval")) {
      List<String> privileges = value.all("privileges").stream().map(XmlNode::text).toList();
      result.put(ManagedObjectReference.of(value.required("entity")), privileges);
    }
    return result;
  }

  // ---------------------------------------------------------------- custom attributes

  /** The custom attribute definitions (CustomFieldsManager's {@code field}); empty without one. */
  public List<CustomFieldDefinition> customFieldDefinitions() throws IOException {
    if (content.customFieldsManager().isEmpty()) {
      return List.of();
    }
    Optional<ObjectContent> manager =
        properties(content.customFieldsManager().get(), List.of("field"));
    List<CustomFieldDefinition> definitions = new ArrayList<>();
    if (manager.isPresent() && manager.get().get("field").isPresent()) {
      for (XmlNode field : manager.get().get("field").get().all("CustomFieldDef")) {
        definitions.add(
            new CustomFieldDefinition(
                (int) field.longValue("key", 0),
                field.text("name", ""),
                field.text("type", ""),
                field.text("managedObjectType", "")));
      }
    }
    return definitions;
  }

  @Override
  public String toString() {
    return "VimClient["
        + transport.endpoint()
        + (session == null ? "" : ", " + session.userName())
        + "]";
  }
}
