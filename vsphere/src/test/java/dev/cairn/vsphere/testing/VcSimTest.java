package dev.cairn.vsphere.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Proves cairn-vcsim's extensions with SOAP written by hand (independent of Cairn's own vSphere
 * client): login, inventory, datastore bytes, CBT through snapshots, QueryChangedDiskAreas and the
 * fault API.
 */
class VcSimTest {
  private static final int BLOCK = 64 << 10;
  private static final long DISK = 16L << 20;
  private static final long SPAN = 4L << 20;
  private static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";

  private static VcSim sim;

  @BeforeAll
  static void start() throws Exception {
    sim = VcSim.start(VcSim.Options.defaults().withVmsPerPool(4).withChangedAreasSpan(SPAN));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  @AfterEach
  void clearFaults() throws Exception {
    sim.clearFaults();
  }

  @Test
  void readyLineDescribesTheServer() throws Exception {
    assertThat(sim.url().toString()).matches("https://127\\.0\\.0\\.1:\\d+/sdk");
    assertThat(sim.thumbprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    String pem = Files.readString(sim.certificatePem());
    byte[] der =
        java.util.Base64.getMimeDecoder()
            .decode(
                pem.replace("-----BEGIN CERTIFICATE-----", "")
                    .replace("-----END CERTIFICATE-----", ""));
    String expected =
        HexFormat.ofDelimiter(":")
            .withUpperCase()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    assertThat(sim.thumbprint()).isEqualTo(expected);
    assertThat(sim.datastores()).contains("LocalDS_0");
    assertThat(sim.datastoreDirectory("LocalDS_0")).isDirectory();
  }

  @Test
  void loginAcceptsOnlyTheConfiguredPassword() throws Exception {
    Soap soap = new Soap(sim);
    assertThat(soap.login(sim.user(), sim.password())).isEqualTo(sim.user());
    Soap wrong = new Soap(sim);
    assertThatThrownBy(() -> wrong.login(sim.user(), "not-" + sim.password()))
        .isInstanceOfSatisfying(
            SoapFault.class, f -> assertThat(f.type()).isEqualTo("InvalidLogin"));
  }

  @Test
  void plainHttpWhenAsked() throws Exception {
    try (VcSim plain = VcSim.start(VcSim.Options.defaults().withHttps(false).withVmsPerPool(1))) {
      assertThat(plain.url().getScheme()).isEqualTo("http");
      assertThat(plain.thumbprint()).isEmpty();
      assertThat(new Soap(plain).login(plain.user(), plain.password())).isEqualTo(plain.user());
    }
  }

  @Test
  void findsAVmAndItsDiskWithARealFlatFile() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    String vm = soap.vm("DC0_C0_RP0_VM3");
    Disk disk = soap.disk(vm, "VirtualMachine");
    assertThat(disk.capacity()).isEqualTo(DISK);
    assertThat(disk.fileName()).isEqualTo("[LocalDS_0] DC0_C0_RP0_VM3/disk1.vmdk");
    assertThat(sim.datastoreDirectory("LocalDS_0").resolve("DC0_C0_RP0_VM3/disk1-flat.vmdk"))
        .hasSize(DISK);
  }

  @Test
  void datastoreRangeReadsZerosOfTheRightLength() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    HttpResponse<byte[]> response =
        soap.get(flatUri("[LocalDS_0] DC0_C0_RP0_VM3/disk1.vmdk"), "bytes=1048576-1114111");
    assertThat(response.statusCode()).isEqualTo(206);
    assertThat(response.body()).hasSize(BLOCK).containsOnly(0);
  }

  @Test
  void changedBlockTrackingThroughSnapshots() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    String vm = soap.vm("DC0_C0_RP0_VM0");
    Disk disk = soap.disk(vm, "VirtualMachine");
    URI flat = flatUri(disk.fileName());

    byte[] content = new byte[(int) DISK];
    fill(content, 5, 'A');
    soap.put(flat, content);
    soap.enableTracking(vm, true);
    String first = soap.createSnapshot(vm, "first");
    Disk firstDisk = soap.disk(first, "VirtualMachineSnapshot");
    assertThat(firstDisk.changeId())
        .matches("52( [0-9a-f]{2}){7}-[0-9a-f]{2}( [0-9a-f]{2}){7}/\\d+");
    assertThat(firstDisk.fileName()).isNotEqualTo(disk.fileName());
    assertThat(soap.disk(vm, "VirtualMachine").changeId()).isEqualTo(firstDisk.changeId());

    fill(content, 3, 'B');
    fill(content, 63, 'C');
    fill(content, 64, 'D');
    fill(content, 100, 'E');
    content[101 * BLOCK + 7] = 1;
    soap.put(flat, content);
    String second = soap.createSnapshot(vm, "second");
    Disk secondDisk = soap.disk(second, "VirtualMachineSnapshot");
    assertThat(secondDisk.changeId()).isNotEqualTo(firstDisk.changeId());

    assertThat(soap.changedBlocks(vm, second, disk.key(), firstDisk.changeId()))
        .containsExactly(3, 63, 64, 100, 101);
    assertThat(soap.changedBlocks(vm, second, disk.key(), "*"))
        .containsExactly(3, 5, 63, 64, 100, 101);
    assertThat(soap.changedBlocks(vm, first, disk.key(), "*")).containsExactly(5);

    Element page = soap.queryChangedDiskAreas(vm, second, disk.key(), SPAN, firstDisk.changeId());
    assertThat(text(page, "startOffset")).isEqualTo(String.valueOf(SPAN));
    assertThat(text(page, "length")).isEqualTo(String.valueOf(SPAN));
    assertThat(areas(page))
        .containsExactly(List.of(64L * BLOCK, (long) BLOCK), List.of(100L * BLOCK, 2L * BLOCK));

    // The snapshots keep their bytes while the VM's disk goes on changing.
    fill(content, 3, 'F');
    soap.put(flat, content);
    assertThat(soap.get(flatUri(firstDisk.fileName()), range(3)).body()).containsOnly(0);
    assertThat(soap.get(flatUri(firstDisk.fileName()), range(5)).body()).containsOnly('A');
    assertThat(soap.get(flatUri(secondDisk.fileName()), range(3)).body()).containsOnly('B');
    assertThat(soap.get(flat, range(3)).body()).containsOnly('F');

    assertThatThrownBy(
            () ->
                soap.queryChangedDiskAreas(
                    vm, second, disk.key(), 0, epoch(firstDisk.changeId()) + "/99"))
        .isInstanceOfSatisfying(
            SoapFault.class, f -> assertThat(f.type()).isEqualTo("InvalidArgument"));
    assertThatThrownBy(
            () -> soap.queryChangedDiskAreas(vm, second, disk.key(), 0, "not a change id"))
        .isInstanceOfSatisfying(
            SoapFault.class, f -> assertThat(f.type()).isEqualTo("InvalidArgument"));

    soap.removeSnapshot(first);
    assertThat(sim.datastoreDirectory("LocalDS_0").resolve(flatPath(firstDisk.fileName())))
        .doesNotExist();
    assertThat(soap.changedBlocks(vm, second, disk.key(), firstDisk.changeId()))
        .containsExactly(3, 63, 64, 100, 101);
  }

  @Test
  void trackingResetsRefuseOlderChangeIds() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    String vm = soap.vm("DC0_C0_RP0_VM2");
    Disk disk = soap.disk(vm, "VirtualMachine");
    soap.enableTracking(vm, true);
    String before =
        soap.disk(soap.createSnapshot(vm, "before"), "VirtualMachineSnapshot").changeId();

    soap.enableTracking(vm, false);
    soap.enableTracking(vm, true);
    String toggled = soap.createSnapshot(vm, "toggled");
    assertThatThrownBy(() -> soap.queryChangedDiskAreas(vm, toggled, disk.key(), 0, before))
        .isInstanceOfSatisfying(SoapFault.class, f -> assertThat(f.type()).isEqualTo("FileFault"));
    String afterToggle = soap.disk(toggled, "VirtualMachineSnapshot").changeId();
    assertThat(epoch(afterToggle)).isNotEqualTo(epoch(before));

    soap.growDisk(vm, disk, 2 * DISK);
    assertThat(sim.datastoreDirectory("LocalDS_0").resolve(flatPath(disk.fileName())))
        .hasSize(2 * DISK);
    String grown = soap.createSnapshot(vm, "grown");
    assertThat(soap.disk(grown, "VirtualMachineSnapshot").capacity()).isEqualTo(2 * DISK);
    assertThatThrownBy(() -> soap.queryChangedDiskAreas(vm, grown, disk.key(), 0, afterToggle))
        .isInstanceOfSatisfying(SoapFault.class, f -> assertThat(f.type()).isEqualTo("FileFault"));

    String afterGrow = soap.disk(grown, "VirtualMachineSnapshot").changeId();
    soap.revert(toggled);
    String reverted = soap.createSnapshot(vm, "reverted");
    assertThatThrownBy(() -> soap.queryChangedDiskAreas(vm, reverted, disk.key(), 0, afterGrow))
        .isInstanceOfSatisfying(SoapFault.class, f -> assertThat(f.type()).isEqualTo("FileFault"));
  }

  @Test
  void createSnapshotFaultFailsTheTaskOnce() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    String vm = soap.vm("DC0_C0_RP0_VM1");
    sim.setFaults(VcSim.Faults.none().failCreateSnapshot("Disk is locked", 1));
    Element info =
        soap.task(
            soap.call("CreateSnapshot_Task", "VirtualMachine", vm, snapshotArguments("failing")));
    assertThat(text(info, "state")).isEqualTo("error");
    assertThat(text(info, "localizedMessage")).isEqualTo("Disk is locked");
    assertThat(
            child(child(info, "error").orElseThrow(), "fault")
                .orElseThrow()
                .getAttributeNS(XSI, "type"))
        .isEqualTo("SnapshotFault");
    assertThat(soap.createSnapshot(vm, "works")).startsWith("snapshot-");
  }

  @Test
  void datastoreGetLosesItsConnectionAfterTheGivenBytes() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    URI flat = flatUri("[LocalDS_0] DC0_C0_RP0_VM3/disk1.vmdk");
    sim.setFaults(VcSim.Faults.none().dropDatastoreGet(100_000, 1, "disk1-flat"));
    assertThatThrownBy(() -> soap.get(flat, null)).isInstanceOf(IOException.class);
    assertThat(soap.get(flat, null).body()).hasSize((int) DISK);
  }

  @Test
  void deniedPrivilegeGivesNoPermission() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    String vm = soap.vm("DC0_C0_RP0_VM1");
    sim.setFaults(VcSim.Faults.none().deny("VirtualMachine.State.CreateSnapshot"));
    assertThatThrownBy(
            () ->
                soap.call("CreateSnapshot_Task", "VirtualMachine", vm, snapshotArguments("denied")))
        .isInstanceOfSatisfying(
            SoapFault.class,
            f -> {
              assertThat(f.type()).isEqualTo("NoPermission");
              assertThat(text(f.detail(), "privilegeId"))
                  .isEqualTo("VirtualMachine.State.CreateSnapshot");
              assertThat(text(f.detail(), "object")).isEqualTo(vm);
            });
    Element answer =
        soap.call(
            "HasPrivilegeOnEntity",
            "AuthorizationManager",
            soap.authorizationManager,
            "<entity type=\"VirtualMachine\">"
                + vm
                + "</entity><sessionId>"
                + soap.sessionKey
                + "</sessionId>"
                + "<privId>VirtualMachine.State.CreateSnapshot</privId><privId>VirtualMachine.State.RemoveSnapshot</privId>");
    assertThat(children(answer, "returnval").stream().map(Node::getTextContent))
        .containsExactly("false", "true");
    Element entities =
        soap.call(
            "HasPrivilegeOnEntities",
            "AuthorizationManager",
            soap.authorizationManager,
            "<entity type=\"VirtualMachine\">"
                + vm
                + "</entity><sessionId>"
                + soap.sessionKey
                + "</sessionId>"
                + "<privId>VirtualMachine.State.CreateSnapshot</privId>");
    Element availability =
        child(child(entities, "returnval").orElseThrow(), "privAvailability").orElseThrow();
    assertThat(text(availability, "privId")).isEqualTo("VirtualMachine.State.CreateSnapshot");
    assertThat(text(availability, "isGranted")).isEqualTo("false");
    Element fetched =
        soap.call(
            "FetchUserPrivilegeOnEntities",
            "AuthorizationManager",
            soap.authorizationManager,
            "<entities type=\"VirtualMachine\">"
                + vm
                + "</entities><userName>"
                + sim.user()
                + "</userName>");
    List<String> privileges =
        children(child(fetched, "returnval").orElseThrow(), "privileges").stream()
            .map(Node::getTextContent)
            .toList();
    assertThat(privileges)
        .contains("VirtualMachine.State.RemoveSnapshot")
        .doesNotContain("VirtualMachine.State.CreateSnapshot");

    sim.clearFaults();
    assertThat(soap.createSnapshot(vm, "allowed")).startsWith("snapshot-");
  }

  @Test
  void createdVmGetsDiskFilesUnlessDenied() throws Exception {
    Soap soap = Soap.loggedIn(sim);
    String folder = soap.find("DC0/vm");
    String pool = soap.find("DC0/host/DC0_C0/Resources");
    String config =
        "<config><name>restored</name><guestId>otherGuest</guestId>"
            + "<files><vmPathName>[LocalDS_0]</vmPathName></files>"
            + "<deviceChange><operation>add</operation><device xsi:type=\"VirtualLsiLogicController\">"
            + "<key>1000</key><busNumber>0</busNumber><sharedBus>noSharing</sharedBus></device></deviceChange>"
            + "<deviceChange><operation>add</operation><fileOperation>create</fileOperation>"
            + "<device xsi:type=\"VirtualDisk\"><key>-1</key>"
            + "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName></fileName>"
            + "<diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned></backing>"
            + "<controllerKey>1000</controllerKey><unitNumber>0</unitNumber>"
            + "<capacityInKB>8192</capacityInKB></device></deviceChange></config>"
            + "<pool type=\"ResourcePool\">"
            + pool
            + "</pool>";

    sim.setFaults(VcSim.Faults.none().deny("VirtualMachine.Inventory.Create"));
    assertThatThrownBy(() -> soap.call("CreateVM_Task", "Folder", folder, config))
        .isInstanceOfSatisfying(
            SoapFault.class,
            f -> {
              assertThat(f.type()).isEqualTo("NoPermission");
              assertThat(text(f.detail(), "privilegeId"))
                  .isEqualTo("VirtualMachine.Inventory.Create");
              assertThat(text(f.detail(), "object")).isEqualTo(folder);
            });
    sim.clearFaults();

    String vm = text(soap.runTask("CreateVM_Task", "Folder", folder, config), "result");
    Disk disk = soap.disk(vm, "VirtualMachine");
    assertThat(disk.capacity()).isEqualTo(8L << 20);
    assertThat(sim.datastoreDirectory("LocalDS_0").resolve(flatPath(disk.fileName())))
        .hasSize(8L << 20);
    byte[] content = new byte[8 << 20];
    fill(content, 7, 'R');
    soap.put(flatUri(disk.fileName()), content);
    assertThat(soap.get(flatUri(disk.fileName()), range(7)).body()).containsOnly('R');

    sim.setFaults(VcSim.Faults.none().deny("VirtualMachine.Config.ChangeTracking"));
    assertThatThrownBy(() -> soap.enableTracking(vm, true))
        .isInstanceOfSatisfying(
            SoapFault.class,
            f ->
                assertThat(text(f.detail(), "privilegeId"))
                    .isEqualTo("VirtualMachine.Config.ChangeTracking"));
  }

  @Test
  void apiSessionAliasesTheRestOne() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(sim.sslContext()).build();
    String basic =
        java.util.Base64.getEncoder()
            .encodeToString((sim.user() + ":" + sim.password()).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(sim.url().resolve("/api/session"))
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().strip()).matches("\"[^\"]+\"");
  }

  // --- helpers: datastore paths, blocks, XML ---

  private static String snapshotArguments(String name) {
    return "<name>" + name + "</name><memory>false</memory><quiesce>false</quiesce>";
  }

  /** "[ds] dir/disk.vmdk" -> "dir/disk-flat.vmdk": the -flat file holds the bytes, as on ESXi. */
  private static String flatPath(String datastorePath) {
    String path = datastorePath.substring(datastorePath.indexOf(']') + 1).strip();
    return path.substring(0, path.length() - ".vmdk".length()) + "-flat.vmdk";
  }

  private static URI flatUri(String datastorePath) {
    String datastore = datastorePath.substring(1, datastorePath.indexOf(']'));
    return sim.url()
        .resolve("/folder/" + flatPath(datastorePath) + "?dcPath=DC0&dsName=" + datastore);
  }

  private static String range(int block) {
    return "bytes=" + (long) block * BLOCK + "-" + ((long) (block + 1) * BLOCK - 1);
  }

  private static void fill(byte[] content, int block, char value) {
    Arrays.fill(content, block * BLOCK, (block + 1) * BLOCK, (byte) value);
  }

  private static String epoch(String changeId) {
    return changeId.substring(0, changeId.lastIndexOf('/'));
  }

  private static List<List<Long>> areas(Element diskChangeInfo) {
    List<List<Long>> areas = new ArrayList<>();
    for (Element area : children(diskChangeInfo, "changedArea")) {
      areas.add(List.of(Long.parseLong(text(area, "start")), Long.parseLong(text(area, "length"))));
    }
    return areas;
  }

  static String text(Element element, String localName) {
    Node found = element.getElementsByTagNameNS("*", localName).item(0);
    if (found == null) {
      throw new AssertionError("No <" + localName + "> in " + element.getTextContent());
    }
    return found.getTextContent();
  }

  static Optional<Element> child(Element element, String localName) {
    List<Element> found = children(element, localName);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
  }

  static List<Element> children(Element element, String localName) {
    List<Element> found = new ArrayList<>();
    for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && localName.equals(e.getLocalName())) {
        found.add(e);
      }
    }
    return found;
  }

  record Disk(int key, long capacity, String fileName, String changeId, Element device) {}

  /** A SOAP fault: the detail's type, the faultstring and the detail element. */
  static final class SoapFault extends IOException {
    private final String type;
    private final Element detail;

    SoapFault(String type, String message, Element detail) {
      super(type + ": " + message);
      this.type = type;
      this.detail = detail;
    }

    String type() {
      return type;
    }

    Element detail() {
      return detail;
    }
  }

  /** A vim25 session spoken in hand-written SOAP over the JDK HttpClient. */
  static final class Soap {
    private final HttpClient client;
    private final URI url;
    private String cookie;
    String sessionKey;
    String sessionManager;
    String searchIndex;
    String propertyCollector;
    String authorizationManager;

    Soap(VcSim sim) throws Exception {
      HttpClient.Builder builder = HttpClient.newBuilder();
      if (sim.url().getScheme().equals("https")) {
        builder.sslContext(sim.sslContext());
      }
      this.client = builder.build();
      this.url = sim.url();
      Element content =
          child(
                  call("RetrieveServiceContent", "ServiceInstance", "ServiceInstance", ""),
                  "returnval")
              .orElseThrow();
      sessionManager = text(content, "sessionManager");
      searchIndex = text(content, "searchIndex");
      propertyCollector = text(content, "propertyCollector");
      authorizationManager = text(content, "authorizationManager");
    }

    static Soap loggedIn(VcSim sim) throws Exception {
      Soap soap = new Soap(sim);
      soap.login(sim.user(), sim.password());
      return soap;
    }

    /** Logs in and returns the session's user name. */
    String login(String user, String password) throws Exception {
      Element session =
          call(
              "Login",
              "SessionManager",
              sessionManager,
              "<userName>" + user + "</userName><password>" + password + "</password>");
      sessionKey = text(session, "key");
      return text(session, "userName");
    }

    Element call(String method, String thisType, String thisValue, String arguments)
        throws Exception {
      String envelope =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
              + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
              + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"urn:vim25\"><soapenv:Body>"
              + "<"
              + method
              + "><_this type=\""
              + thisType
              + "\">"
              + thisValue
              + "</_this>"
              + arguments
              + "</"
              + method
              + ">"
              + "</soapenv:Body></soapenv:Envelope>";
      HttpRequest.Builder request =
          HttpRequest.newBuilder(url)
              .header("Content-Type", "text/xml; charset=utf-8")
              .header("SOAPAction", "urn:vim25/7.0")
              .POST(HttpRequest.BodyPublishers.ofString(envelope));
      if (cookie != null) {
        request.header("Cookie", cookie);
      }
      HttpResponse<byte[]> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      response.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.split(";", 2)[0]);
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      Element body =
          (Element)
              factory
                  .newDocumentBuilder()
                  .parse(new ByteArrayInputStream(response.body()))
                  .getDocumentElement()
                  .getElementsByTagNameNS("*", "Body")
                  .item(0);
      Element answer = children(body, "Fault").stream().findFirst().orElse(null);
      if (answer != null) {
        Element detail =
            child(answer, "detail")
                .flatMap(
                    d ->
                        children(
                                d,
                                d.getFirstChild() == null ? "" : d.getFirstChild().getLocalName())
                            .stream()
                            .findFirst())
                .orElse(null);
        String type =
            detail == null
                ? ""
                : detail.getAttributeNS("http://www.w3.org/2001/XMLSchema-instance", "type");
        throw new SoapFault(type, text(answer, "faultstring"), detail);
      }
      for (Node n = body.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e) {
          return e;
        }
      }
      throw new IOException("Empty SOAP body answering " + method);
    }

    String find(String inventoryPath) throws Exception {
      Element found =
          call(
              "FindByInventoryPath",
              "SearchIndex",
              searchIndex,
              "<inventoryPath>" + inventoryPath + "</inventoryPath>");
      return text(found, "returnval");
    }

    String vm(String name) throws Exception {
      Element found =
          call(
              "FindByInventoryPath",
              "SearchIndex",
              searchIndex,
              "<inventoryPath>DC0/vm/" + name + "</inventoryPath>");
      return text(found, "returnval");
    }

    Element property(String type, String value, String path) throws Exception {
      Element result =
          call(
              "RetrievePropertiesEx",
              "PropertyCollector",
              propertyCollector,
              "<specSet><propSet><type>"
                  + type
                  + "</type><pathSet>"
                  + path
                  + "</pathSet></propSet>"
                  + "<objectSet><obj type=\""
                  + type
                  + "\">"
                  + value
                  + "</obj></objectSet></specSet><options/>");
      return (Element) result.getElementsByTagNameNS("*", "val").item(0);
    }

    /** The first disk of a VM or a snapshot. */
    Disk disk(String object, String type) throws Exception {
      Element devices = property(type, object, "config.hardware.device");
      for (Element device : children(devices, "VirtualDevice")) {
        if ("VirtualDisk"
            .equals(device.getAttributeNS("http://www.w3.org/2001/XMLSchema-instance", "type"))) {
          Element backing = child(device, "backing").orElseThrow();
          return new Disk(
              Integer.parseInt(text(device, "key")),
              Long.parseLong(text(device, "capacityInBytes")),
              text(backing, "fileName"),
              child(backing, "changeId").map(Node::getTextContent).orElse(""),
              device);
        }
      }
      throw new AssertionError(object + " has no disk");
    }

    /**
     * The task's final info (the simulator runs tasks before answering; the loop is for safety).
     */
    Element task(Element response) throws Exception {
      String task = text(response, "returnval");
      for (int attempt = 0; ; attempt++) {
        Element info = property("Task", task, "info");
        String state = text(info, "state");
        if (state.equals("success") || state.equals("error") || attempt == 100) {
          return info;
        }
        Thread.sleep(50);
      }
    }

    Element runTask(String method, String type, String object, String arguments) throws Exception {
      Element info = task(call(method, type, object, arguments));
      assertThat(text(info, "state")).as(method + " on " + object).isEqualTo("success");
      return info;
    }

    void enableTracking(String vm, boolean enabled) throws Exception {
      runTask(
          "ReconfigVM_Task",
          "VirtualMachine",
          vm,
          "<spec><changeTrackingEnabled>" + enabled + "</changeTrackingEnabled></spec>");
    }

    String createSnapshot(String vm, String name) throws Exception {
      return text(
          runTask("CreateSnapshot_Task", "VirtualMachine", vm, snapshotArguments(name)), "result");
    }

    void removeSnapshot(String snapshot) throws Exception {
      runTask(
          "RemoveSnapshot_Task",
          "VirtualMachineSnapshot",
          snapshot,
          "<removeChildren>false</removeChildren>");
    }

    void revert(String snapshot) throws Exception {
      runTask("RevertToSnapshot_Task", "VirtualMachineSnapshot", snapshot, "");
    }

    void growDisk(String vm, Disk disk, long capacity) throws Exception {
      Element device = disk.device();
      runTask(
          "ReconfigVM_Task",
          "VirtualMachine",
          vm,
          "<spec><deviceChange><operation>edit</operation><device xsi:type=\"VirtualDisk\">"
              + "<key>"
              + disk.key()
              + "</key>"
              + "<deviceInfo><label>Hard disk 1</label><summary>disk</summary></deviceInfo>"
              + "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName>"
              + disk.fileName()
              + "</fileName>"
              + "<diskMode>persistent</diskMode></backing>"
              + "<controllerKey>"
              + text(device, "controllerKey")
              + "</controllerKey>"
              + "<unitNumber>"
              + text(device, "unitNumber")
              + "</unitNumber>"
              + "<capacityInKB>"
              + capacity / 1024
              + "</capacityInKB><capacityInBytes>"
              + capacity
              + "</capacityInBytes>"
              + "</device></deviceChange></spec>");
    }

    Element queryChangedDiskAreas(String vm, String snapshot, int key, long start, String changeId)
        throws Exception {
      Element response =
          call(
              "QueryChangedDiskAreas",
              "VirtualMachine",
              vm,
              "<snapshot type=\"VirtualMachineSnapshot\">"
                  + snapshot
                  + "</snapshot><deviceKey>"
                  + key
                  + "</deviceKey>"
                  + "<startOffset>"
                  + start
                  + "</startOffset><changeId>"
                  + changeId
                  + "</changeId>");
      return child(response, "returnval").orElseThrow();
    }

    /** Pages through the whole disk and returns the changed block numbers. */
    TreeSet<Integer> changedBlocks(String vm, String snapshot, int key, String changeId)
        throws Exception {
      TreeSet<Integer> blocks = new TreeSet<>();
      long start = 0;
      int pages = 0;
      long capacity = disk(snapshot, "VirtualMachineSnapshot").capacity();
      while (start < capacity) {
        Element page = queryChangedDiskAreas(vm, snapshot, key, start, changeId);
        assertThat(Long.parseLong(text(page, "length"))).isLessThanOrEqualTo(SPAN);
        for (List<Long> area : areas(page)) {
          assertThat(area.get(0) % BLOCK).isZero();
          for (long offset = area.get(0); offset < area.get(0) + area.get(1); offset += BLOCK) {
            blocks.add((int) (offset / BLOCK));
          }
        }
        start = Long.parseLong(text(page, "startOffset")) + Long.parseLong(text(page, "length"));
        pages++;
      }
      assertThat(pages).isEqualTo((int) (capacity / SPAN));
      return blocks;
    }

    HttpResponse<byte[]> get(URI uri, String range) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Cookie", cookie);
      if (range != null) {
        request.header("Range", range);
      }
      return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    void put(URI uri, byte[] content) throws Exception {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri)
                  .header("Cookie", cookie)
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("PUT " + uri).isEqualTo(200);
    }
  }
}
