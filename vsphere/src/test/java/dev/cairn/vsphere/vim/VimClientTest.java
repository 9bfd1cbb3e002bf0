package dev.cairn.vsphere.vim;

import static dev.cairn.vsphere.soap.CannedVimServer.fault;
import static dev.cairn.vsphere.soap.CannedVimServer.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.vsphere.soap.CannedVimServer;
import dev.cairn.vsphere.soap.CannedVimServer.Reply;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.soap.VimFault;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VimClientTest {
  static final ManagedObjectReference VM = new ManagedObjectReference("VirtualMachine", "vm-42");
  static final ManagedObjectReference TASK = new ManagedObjectReference("Task", "task-7");

  CannedVimServer server;
  VimClient client;

  @BeforeEach
  void start() throws IOException {
    server = CannedVimServer.start();
    server.onReply(
        "Login",
        Reply.ok(CannedVimServer.LOGIN)
            .withHeader("Set-Cookie", "vmware_soap_session=\"cookie-1\"; Path=/"));
    server.on("Logout", response("Logout", ""));
    client =
        VimClient.connect(
            server.url(), new TrustOptions.SystemTrust(), SoapOptions.defaults(), w -> {});
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  static String objects(String... names) {
    StringBuilder xml = new StringBuilder();
    for (String name : names) {
      xml.append("<objects><obj type=\"VirtualMachine\">")
          .append(name)
          .append("</obj><propSet><name>name</name><val xsi:type=\"xsd:string\">")
          .append(name)
          .append("</val></propSet></objects>");
    }
    return xml.toString();
  }

  @Test
  void readsTheServiceContent() {
    ServiceContent content = client.serviceContent();
    assertThat(content.rootFolder()).isEqualTo(new ManagedObjectReference("Folder", "group-d1"));
    assertThat(content.about().isVcenter()).isTrue();
    assertThat(content.about().apiVersion()).isEqualTo("8.0.2.0");
    assertThat(content.searchIndex()).isPresent();
  }

  @Test
  void logsInAgainOnceWhenTheSessionExpired() throws IOException {
    UserSession session = client.login("backup@vsphere.local", "s3cret");
    assertThat(session.key()).isEqualTo("52f0-session-key");
    assertThat(session.toString()).doesNotContain("52f0");
    server.onReply(
        "RetrievePropertiesEx",
        Reply.status(500, fault("NotAuthenticated", "The session is not authenticated.", "")),
        Reply.ok(
            response("RetrievePropertiesEx", "<returnval>" + objects("vm-42") + "</returnval>")));
    List<ObjectContent> found = client.retrieve(List.of(spec()));
    assertThat(found).extracting(ObjectContent::obj).containsExactly(VM);
    assertThat(server.requests("Login")).hasSize(2);
    assertThat(server.requests("Login").get(1).body()).contains("<password>s3cret</password>");
    assertThat(client.toString()).doesNotContain("s3cret");
  }

  @Test
  void aSecondNotAuthenticatedIsThrown() throws IOException {
    client.login("backup@vsphere.local", "s3cret");
    server.onReply(
        "RetrievePropertiesEx",
        Reply.status(500, fault("NotAuthenticated", "The session is not authenticated.", "")));
    assertThatThrownBy(() -> client.retrieve(List.of(spec())))
        .isInstanceOf(VimFault.NotAuthenticated.class);
    assertThat(server.requests("Login")).hasSize(2);
  }

  @Test
  void aRefusedPasswordIsInvalidLoginWithoutThePassword() {
    server.onReply(
        "Login",
        Reply.status(
            500,
            fault(
                "InvalidLogin",
                "Cannot complete login due to an incorrect user name or password.",
                "")));
    assertThatThrownBy(() -> client.login("backup@vsphere.local", "wrong-pass"))
        .isInstanceOf(VimFault.InvalidLogin.class)
        .message()
        .doesNotContain("wrong-pass");
  }

  @Test
  void readsEveryPageAfterTheToken() throws IOException {
    client.login("u", "p");
    server.on(
        "RetrievePropertiesEx",
        response(
            "RetrievePropertiesEx",
            "<returnval><token>page-2</token>" + objects("vm-1", "vm-2") + "</returnval>"));
    server.on(
        "ContinueRetrievePropertiesEx",
        response(
            "ContinueRetrievePropertiesEx",
            "<returnval><token>page-3</token>" + objects("vm-3") + "</returnval>"),
        response("ContinueRetrievePropertiesEx", "<returnval>" + objects("vm-4") + "</returnval>"));
    List<ObjectContent> found = client.retrieve(List.of(spec()));
    assertThat(found)
        .extracting(content -> content.text("name").orElseThrow())
        .containsExactly("vm-1", "vm-2", "vm-3", "vm-4");
    assertThat(server.requests("ContinueRetrievePropertiesEx"))
        .extracting(CannedVimServer.Request::body)
        .satisfiesExactly(
            first -> assertThat(first).contains("<token>page-2</token>"),
            second -> assertThat(second).contains("<token>page-3</token>"));
    assertThat(server.requests("RetrievePropertiesEx").getFirst().body())
        .contains("<maxObjects>500</maxObjects>");
  }

  @Test
  void anEmptyResultHasNoReturnval() throws IOException {
    server.on("RetrievePropertiesEx", response("RetrievePropertiesEx", ""));
    assertThat(client.retrieve(List.of(spec()))).isEmpty();
  }

  @Test
  void propertiesTheServerCouldNotReadAreFaults() throws IOException {
    server.on(
        "RetrievePropertiesEx",
        response(
            "RetrievePropertiesEx",
            """
            <returnval><objects><obj type="VirtualMachine">vm-42</obj>
              <missingSet><path>config</path><fault>
                <fault xsi:type="NoPermission"><object type="VirtualMachine">vm-42</object>
                  <privilegeId>System.Read</privilegeId></fault>
                <localizedMessage>denied</localizedMessage></fault></missingSet>
            </objects></returnval>
            """));
    ObjectContent content = client.retrieve(List.of(spec())).getFirst();
    assertThat(content.missing().get("config"))
        .isInstanceOfSatisfying(
            VimFault.NoPermission.class,
            fault -> assertThat(fault.privilegeId()).isEqualTo("System.Read"));
  }

  @Test
  void allOfTypesGoesThroughAContainerViewAndDestroysIt() throws IOException {
    server.on(
        "CreateContainerView",
        response(
            "CreateContainerView",
            "<returnval type=\"ContainerView\">session[1]view-1</returnval>"));
    server.on("DestroyView", response("DestroyView", ""));
    server.on(
        "RetrievePropertiesEx",
        response("RetrievePropertiesEx", "<returnval>" + objects("vm-1") + "</returnval>"));
    List<ObjectContent> found =
        client.allOfTypes(
            client.serviceContent().rootFolder(), Map.of("VirtualMachine", List.of("name")));
    assertThat(found).hasSize(1);
    assertThat(server.requests("RetrievePropertiesEx").getFirst().body())
        .contains("<obj type=\"ContainerView\">session[1]view-1</obj><skip>true</skip>");
    assertThat(server.requests("DestroyView"))
        .singleElement()
        .extracting(CannedVimServer.Request::body)
        .asString()
        .contains("session[1]view-1");
  }

  static String taskUpdate(String version, String info) {
    return response(
        "WaitForUpdatesEx",
        "<returnval><version>"
            + version
            + "</version><filterSet><filter type=\"PropertyFilter\">session[1]f-1</filter>"
            + "<objectSet><kind>modify</kind><obj type=\"Task\">task-7</obj><changeSet><name>info</name>"
            + "<op>assign</op><val xsi:type=\"TaskInfo\"><key>task-7</key><task type=\"Task\">task-7</task>"
            + "<descriptionId>VirtualMachine.createSnapshot</descriptionId>"
            + "<entity type=\"VirtualMachine\">vm-42</entity><entityName>web-01</entityName>"
            + info
            + "</val></changeSet></objectSet></filterSet></returnval>");
  }

  void cannedCollector() {
    server.on(
        "CreatePropertyCollector",
        response(
            "CreatePropertyCollector",
            "<returnval type=\"PropertyCollector\">session[1]pc-2</returnval>"));
    server.on(
        "CreateFilter",
        response("CreateFilter", "<returnval type=\"PropertyFilter\">session[1]f-1</returnval>"));
    server.on("DestroyPropertyCollector", response("DestroyPropertyCollector", ""));
  }

  @Test
  void waitsForATaskThroughUpdatesAndReturnsItsResult() throws IOException {
    cannedCollector();
    server.on(
        "WaitForUpdatesEx",
        taskUpdate(
            "1",
            "<state>running</state><cancelled>false</cancelled><cancelable>false</cancelable><progress>40</progress>"),
        response("WaitForUpdatesEx", ""),
        taskUpdate(
            "2",
            "<state>success</state><cancelled>false</cancelled><cancelable>false</cancelable>"
                + "<result type=\"VirtualMachineSnapshot\" xsi:type=\"ManagedObjectReference\">snapshot-77</result>"));
    List<Integer> progress = new ArrayList<>();
    TaskInfo info = client.waitForTask(TASK, progress::add);
    assertThat(info.state()).isEqualTo("success");
    assertThat(info.resultReference())
        .contains(new ManagedObjectReference("VirtualMachineSnapshot", "snapshot-77"));
    assertThat(progress).containsExactly(40);
    List<CannedVimServer.Request> waits = server.requests("WaitForUpdatesEx");
    assertThat(waits).hasSize(3);
    assertThat(waits.getFirst().body()).doesNotContain("<version>");
    assertThat(waits.get(1).body()).contains("<version>1</version>");
    assertThat(waits.get(2).body()).contains("<version>1</version>");
    assertThat(server.requests("CreateFilter").getFirst().body())
        .contains("<obj type=\"Task\">task-7</obj>");
    assertThat(server.requests("DestroyPropertyCollector")).hasSize(1);
  }

  @Test
  void aFailedTaskThrowsItsFault() throws IOException {
    cannedCollector();
    server.on(
        "WaitForUpdatesEx",
        taskUpdate(
            "1",
            "<state>error</state><cancelled>false</cancelled><cancelable>false</cancelable>"
                + "<error><fault xsi:type=\"FilesystemQuiesceFault\"></fault>"
                + "<localizedMessage>An error occurred while quiescing the virtual machine.</localizedMessage></error>"));
    assertThatThrownBy(() -> client.waitForTask(TASK))
        .isInstanceOfSatisfying(
            VimFault.SnapshotFault.class,
            fault -> assertThat(fault.faultType()).isEqualTo("FilesystemQuiesceFault"))
        .hasMessage(
            "Cannot complete task VirtualMachine.createSnapshot on web-01 (task-7): An error"
                + " occurred while quiescing the virtual machine. (FilesystemQuiesceFault)");
    assertThat(server.requests("DestroyPropertyCollector")).hasSize(1);
  }

  static String leaseState(String version, String state) {
    return response(
        "WaitForUpdatesEx",
        "<returnval><version>"
            + version
            + "</version><filterSet><filter type=\"PropertyFilter\">session[1]f-1</filter>"
            + "<objectSet><kind>modify</kind><obj type=\"HttpNfcLease\">lease-1</obj><changeSet>"
            + "<name>state</name><op>assign</op><val xsi:type=\"HttpNfcLeaseState\">"
            + state
            + "</val></changeSet></objectSet></filterSet></returnval>");
  }

  @Test
  void awaitsAReadyImportLease() throws IOException {
    cannedCollector();
    ManagedObjectReference lease = new ManagedObjectReference("HttpNfcLease", "lease-1");
    server.on(
        "ImportVApp",
        response("ImportVApp", "<returnval type=\"HttpNfcLease\">lease-1</returnval>"));
    server.on("WaitForUpdatesEx", leaseState("1", "initializing"), leaseState("2", "ready"));
    server.on(
        "RetrievePropertiesEx",
        response(
            "RetrievePropertiesEx",
            "<returnval><objects><obj type=\"HttpNfcLease\">lease-1</obj><propSet><name>info</name>"
                + "<val xsi:type=\"HttpNfcLeaseInfo\"><lease type=\"HttpNfcLease\">lease-1</lease>"
                + "<entity type=\"VirtualMachine\">vm-99</entity><deviceUrl><key>/vm-99/VirtualLsiLogicSASController0:0</key>"
                + "<importKey>/web/VirtualLsiLogicSASController0:0</importKey>"
                + "<url>https://*/nfc/52ab/disk-0.vmdk</url><sslThumbprint></sslThumbprint>"
                + "<disk>true</disk><targetId>disk-0.vmdk</targetId></deviceUrl>"
                + "<totalDiskCapacityInKB>1048576</totalDiskCapacityInKB><leaseTimeout>300</leaseTimeout>"
                + "</val></propSet></objects></returnval>"));
    assertThat(
            client.importVApp(
                new ManagedObjectReference("ResourcePool", "resgroup-8"),
                VmConfigSpec.changeTracking(false),
                null,
                null))
        .isEqualTo(lease);
    NfcLease ready = client.awaitLease(lease);
    assertThat(ready.entity()).isEqualTo(new ManagedObjectReference("VirtualMachine", "vm-99"));
    assertThat(ready.leaseTimeoutSeconds()).isEqualTo(300);
    assertThat(ready.deviceUrls())
        .singleElement()
        .satisfies(
            url -> {
              assertThat(url.url()).isEqualTo("https://*/nfc/52ab/disk-0.vmdk");
              assertThat(url.disk()).isTrue();
            });
    assertThat(server.requests("CreateFilter").getFirst().body())
        .contains("<type>HttpNfcLease</type><pathSet>state</pathSet>");
  }

  @Test
  void aFailedImportLeaseThrowsItsFault() throws IOException {
    cannedCollector();
    ManagedObjectReference lease = new ManagedObjectReference("HttpNfcLease", "lease-1");
    server.on("WaitForUpdatesEx", leaseState("1", "error"));
    server.on(
        "RetrievePropertiesEx",
        response(
            "RetrievePropertiesEx",
            "<returnval><objects><obj type=\"HttpNfcLease\">lease-1</obj><propSet><name>error</name>"
                + "<val xsi:type=\"LocalizedMethodFault\"><fault xsi:type=\"NoDiskSpace\">"
                + "<file>[ds1] web</file><datastore>ds1</datastore></fault>"
                + "<localizedMessage>Insufficient disk space on datastore 'ds1'.</localizedMessage>"
                + "</val></propSet></objects></returnval>"));
    assertThatThrownBy(() -> client.awaitLease(lease))
        .isInstanceOfSatisfying(
            VimFault.FileFault.class,
            fault -> assertThat(fault.faultType()).isEqualTo("NoDiskSpace"))
        .hasMessageStartingWith("Cannot import through lease lease-1: Insufficient disk space");
  }

  @Test
  void typedCallsParseTheirReplies() throws IOException {
    client.login("u", "p");
    server.on(
        "CreateSnapshot_Task",
        response("CreateSnapshot_Task", "<returnval type=\"Task\">task-7</returnval>"));
    assertThat(client.createSnapshot(VM, "cairn-x", null, false, false)).isEqualTo(TASK);
    server.on(
        "QueryChangedDiskAreas",
        response(
            "QueryChangedDiskAreas",
            "<returnval><startOffset>0</startOffset><length>1073741824</length>"
                + "<changedArea><start>0</start><length>65536</length></changedArea>"
                + "<changedArea><start>1048576</start><length>131072</length></changedArea></returnval>"));
    DiskChangeInfo changes = client.queryChangedDiskAreas(VM, null, 2000, 0, "52 aa/3");
    assertThat(changes.length()).isEqualTo(1L << 30);
    assertThat(changes.changedAreas())
        .containsExactly(
            new DiskChangeInfo.Area(0, 65536), new DiskChangeInfo.Area(1048576, 131072));
    server.on(
        "HasPrivilegeOnEntity",
        response(
            "HasPrivilegeOnEntity", "<returnval>true</returnval><returnval>false</returnval>"));
    assertThat(
            client.hasPrivilegeOnEntity(
                client.serviceContent().rootFolder(), List.of("System.View", "Datastore.Browse")))
        .containsExactly(Map.entry("System.View", true), Map.entry("Datastore.Browse", false));
    assertThat(server.requests("HasPrivilegeOnEntity").getFirst().body())
        .contains("<sessionId>52f0-session-key</sessionId>");
    server.on(
        "FindByInventoryPath",
        response("FindByInventoryPath", "<returnval type=\"VirtualMachine\">vm-42</returnval>"),
        response("FindByInventoryPath", ""));
    assertThat(client.findByInventoryPath("DC1/vm/web-01")).contains(VM);
    assertThat(client.findByInventoryPath("DC1/vm/none")).isEmpty();
    server.on(
        "RetrievePropertiesEx",
        response(
            "RetrievePropertiesEx",
            "<returnval><objects><obj type=\"CustomFieldsManager\">CustomFieldsManager</obj>"
                + "<propSet><name>field</name><val xsi:type=\"ArrayOfCustomFieldDef\">"
                + "<CustomFieldDef><key>101</key><name>owner</name><type>string</type>"
                + "<managedObjectType>VirtualMachine</managedObjectType></CustomFieldDef>"
                + "</val></propSet></objects></returnval>"));
    assertThat(client.customFieldDefinitions())
        .containsExactly(new CustomFieldDefinition(101, "owner", "string", "VirtualMachine"));
  }

  static PropertyFilterSpec spec() {
    return new PropertyFilterSpec(
        List.of(PropertySpec.of("VirtualMachine", List.of("name"))), List.of(ObjectSpec.of(VM)));
  }
}
