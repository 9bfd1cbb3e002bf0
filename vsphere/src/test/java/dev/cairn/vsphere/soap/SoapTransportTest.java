package dev.cairn.vsphere.soap;

import static dev.cairn.vsphere.soap.CannedVimServer.fault;
import static dev.cairn.vsphere.soap.CannedVimServer.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.vsphere.soap.CannedVimServer.Reply;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SoapTransportTest {
  static final ManagedObjectReference PC =
      new ManagedObjectReference("PropertyCollector", "propertyCollector");
  static final String BODY = "<RetrievePropertiesEx xmlns=\"urn:vim25\"></RetrievePropertiesEx>";

  CannedVimServer server;
  final List<String> warnings = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = CannedVimServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  SoapTransport open() throws IOException {
    return open(SoapOptions.defaults());
  }

  SoapTransport open(SoapOptions options) throws IOException {
    return SoapTransport.open(server.url(), new TrustOptions.SystemTrust(), options, warnings::add);
  }

  static String versions(String version) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\" ?><namespaces version=\"1.0\"><namespace>"
        + "<name>urn:vim25</name><version>"
        + version
        + "</version><priorVersions><version>6.0</version></priorVersions></namespace></namespaces>";
  }

  @Test
  void announcesTheServersVersionUpToTheNewestCairnKnows() throws IOException {
    server.versions(versions("8.0.2.0"));
    SoapTransport transport = open();
    assertThat(transport.version()).isEqualTo("8.0.2.0");
    transport.call(
        "RetrieveServiceContent",
        new ManagedObjectReference("ServiceInstance", "ServiceInstance"),
        "<RetrieveServiceContent xmlns=\"urn:vim25\"/>",
        Duration.ZERO);
    CannedVimServer.Request sent = server.requests().getFirst();
    assertThat(sent.header("SOAPAction")).isEqualTo("urn:vim25/8.0.2.0");
    assertThat(sent.header("Content-Type")).startsWith("text/xml");

    server.versions(versions("9.1.0.0"));
    assertThat(open().version()).isEqualTo(SoapTransport.NEWEST_VERSION);
    server.versions(null);
    assertThat(open().version()).isEqualTo(SoapTransport.FALLBACK_VERSION);
    server.versions("<html>not it</html>");
    assertThat(open().version()).isEqualTo(SoapTransport.FALLBACK_VERSION);
    assertThat(open(SoapOptions.defaults().withApiVersion("7.0.3.0")).version())
        .isEqualTo("7.0.3.0");
  }

  @Test
  void plainHttpWarns() throws IOException {
    open();
    assertThat(warnings).singleElement().asString().contains("plain http", "127.0.0.1");
  }

  @Test
  void urlsWithoutPathGetSdkAndOtherSchemesAreRefused() throws IOException {
    assertThat(SoapTransport.endpointOf(URI.create("https://vc.example")))
        .isEqualTo(URI.create("https://vc.example/sdk"));
    assertThat(SoapTransport.endpointOf(URI.create("https://vc.example:8443/")))
        .isEqualTo(URI.create("https://vc.example:8443/sdk"));
    assertThatThrownBy(() -> SoapTransport.endpointOf(URI.create("ftp://vc.example/sdk")))
        .hasMessage(
            "Cannot use vSphere URL ftp://vc.example/sdk: expected https://HOST/sdk (or http:// for labs)");
  }

  @Test
  void keepsTheSessionCookieAndSendsItBackWithoutShowingIt() throws IOException {
    server.onReply(
        "Login",
        Reply.ok(CannedVimServer.LOGIN)
            .withHeader("Set-Cookie", "vmware_soap_session=\"secret-cookie\"; Path=/; HttpOnly"));
    server.on("RetrievePropertiesEx", response("RetrievePropertiesEx", ""));
    SoapTransport transport = open();
    transport.call("Login", PC, "<Login xmlns=\"urn:vim25\"/>", Duration.ZERO);
    assertThat(transport.hasSession()).isTrue();
    transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO);
    assertThat(server.requests("RetrievePropertiesEx").getFirst().header("Cookie"))
        .isEqualTo("vmware_soap_session=\"secret-cookie\"");
    assertThat(transport.toString()).doesNotContain("secret-cookie");
    transport.clearSession();
    transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO);
    assertThat(server.requests("RetrievePropertiesEx").get(1).header("Cookie")).isNull();
  }

  @Test
  void returnsTheMethodResponseElement() throws IOException {
    server.on(
        "RetrievePropertiesEx",
        response("RetrievePropertiesEx", "<returnval><token>t</token></returnval>"));
    XmlNode reply = open().call("RetrievePropertiesEx", PC, BODY, Duration.ZERO);
    assertThat(reply.name()).isEqualTo("RetrievePropertiesExResponse");
    assertThat(reply.required("returnval").text("token")).contains("t");
  }

  @Test
  void noPermissionNamesThePrivilegeAndTheObject() throws IOException {
    server.onReply(
        "RetrievePropertiesEx",
        Reply.status(
            500,
            fault(
                "NoPermission",
                "Permission to perform this operation was denied.",
                "<object type=\"Folder\">group-d1</object><privilegeId>System.View</privilegeId>")));
    assertThatThrownBy(() -> open().call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOfSatisfying(
            VimFault.NoPermission.class,
            fault -> {
              assertThat(fault.privilegeId()).isEqualTo("System.View");
              assertThat(fault.object()).contains(new ManagedObjectReference("Folder", "group-d1"));
            })
        .hasMessage(
            "Cannot call RetrievePropertiesEx on PropertyCollector:propertyCollector at "
                + server.url().getRawAuthority()
                + ": Permission to perform this operation was denied. (NoPermission);"
                + " missing privilege System.View on Folder:group-d1");
  }

  @Test
  void faultsMapToTheirFamilyKeepingTheExactType() throws IOException {
    SoapTransport transport = open();
    expectFault(
        transport,
        fault("InvalidLogin", "Cannot complete login.", ""),
        VimFault.InvalidLogin.class,
        "InvalidLogin");
    expectFault(
        transport,
        fault("PasswordExpired", "expired", ""),
        VimFault.InvalidLogin.class,
        "PasswordExpired");
    expectFault(
        transport,
        fault(
            "NotAuthenticated",
            "The session is not authenticated.",
            "<object type=\"Folder\">group-d1</object><privilegeId>System.View</privilegeId>"),
        VimFault.NotAuthenticated.class,
        "NotAuthenticated");
    VimFault file =
        expectFault(
            transport,
            fault("FileNotFound", "File [ds1] a.vmdk was not found", "<file>[ds1] a.vmdk</file>"),
            VimFault.FileFault.class,
            "FileNotFound");
    assertThat(((VimFault.FileFault) file).file()).isEqualTo("[ds1] a.vmdk");
    VimFault power =
        expectFault(
            transport,
            fault(
                "InvalidPowerState",
                "bad state",
                "<requestedState>poweredOn</requestedState><existingState>poweredOff</existingState>"),
            VimFault.InvalidPowerState.class,
            "InvalidPowerState");
    assertThat(power).hasMessageEndingWith("; the VM is poweredOff");
    VimFault busy =
        expectFault(
            transport,
            fault("TaskInProgress", "busy", "<task type=\"Task\">task-9</task>"),
            VimFault.TaskInProgress.class,
            "TaskInProgress");
    assertThat(((VimFault.TaskInProgress) busy).task())
        .contains(new ManagedObjectReference("Task", "task-9"));
    expectFault(
        transport,
        fault("ManagedObjectNotFound", "gone", "<obj type=\"VirtualMachine\">vm-1</obj>"),
        VimFault.ManagedObjectNotFound.class,
        "ManagedObjectNotFound");
    VimFault argument =
        expectFault(
            transport,
            fault(
                "InvalidArgument",
                "A specified parameter was not correct: spec",
                "<invalidProperty>spec</invalidProperty>"),
            VimFault.InvalidArgument.class,
            "InvalidArgument");
    assertThat(((VimFault.InvalidArgument) argument).invalidProperty()).isEqualTo("spec");
    expectFault(
        transport,
        fault("SnapshotLocked", "locked", ""),
        VimFault.SnapshotFault.class,
        "SnapshotLocked");
    expectFault(
        transport, fault("HostConfigFault", "odd", ""), VimFault.Other.class, "HostConfigFault");
    // A fault whose detail is malformed still comes back as a fault, not a parser error.
    expectFault(
        transport,
        fault("NoPermission", "denied", "<object>no type</object>"),
        VimFault.Other.class,
        "NoPermission");
  }

  @Test
  void aFaultWithoutDetailKeepsItsFaultCode() throws IOException {
    server.onReply(
        "RetrievePropertiesEx",
        Reply.status(
            500,
            CannedVimServer.envelope(
                "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>Unexpected"
                    + " element tag \"skip\"</faultstring></soapenv:Fault>")));
    assertThatThrownBy(() -> open().call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOfSatisfying(
            VimFault.Other.class, fault -> assertThat(fault.faultType()).isEqualTo("Client"))
        .hasMessageEndingWith(": Unexpected element tag \"skip\" (Client)");
  }

  VimFault expectFault(
      SoapTransport transport, String xml, Class<? extends VimFault> family, String type) {
    server.onReply("RetrievePropertiesEx", Reply.status(500, xml));
    try {
      transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO);
    } catch (VimFault fault) {
      assertThat(fault).isInstanceOf(family);
      assertThat(fault.faultType()).isEqualTo(type);
      assertThat(fault.getMessage()).doesNotContain("\n");
      return fault;
    } catch (IOException e) {
      throw new AssertionError("expected a " + family.getSimpleName() + ", got " + e, e);
    }
    throw new AssertionError("expected a " + family.getSimpleName());
  }

  @Test
  void malformedRepliesAreOneLineErrors() throws IOException {
    SoapTransport transport = open();
    String whole = response("RetrievePropertiesEx", "<returnval><token>t</token></returnval>");
    server.on("RetrievePropertiesEx", whole.substring(0, whole.length() - 40));
    assertThatThrownBy(() -> transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOf(MalformedReplyException.class)
        .hasMessageStartingWith(
            "Cannot call RetrievePropertiesEx on PropertyCollector:propertyCollector at ")
        .hasMessageContaining("not well-formed XML")
        .message()
        .doesNotContain("\n");

    server.on("RetrievePropertiesEx", "<html><body>hello</body></html>");
    assertThatThrownBy(() -> transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOf(MalformedReplyException.class)
        .hasMessageEndingWith(": the reply is not a SOAP envelope");

    server.on("RetrievePropertiesEx", "");
    assertThatThrownBy(() -> transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOf(MalformedReplyException.class);

    server.onReply("RetrievePropertiesEx", Reply.status(503, "<html>Service Unavailable"));
    assertThatThrownBy(() -> transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isNotInstanceOf(MalformedReplyException.class)
        .hasMessageEndingWith(": HTTP status 503");

    server.on(
        "RetrievePropertiesEx",
        CannedVimServer.envelope(
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"));
    assertThatThrownBy(() -> transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOf(MalformedReplyException.class)
        .message()
        .doesNotContain("root:");
  }

  @Test
  void aReplyOverTheLimitIsRefused() throws IOException {
    SoapTransport transport = open(SoapOptions.defaults().withMaxReplyBytes(4096));
    server.on(
        "RetrievePropertiesEx",
        response(
            "RetrievePropertiesEx",
            "<returnval><token>" + "x".repeat(100_000) + "</token></returnval>"));
    assertThatThrownBy(() -> transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOf(MalformedReplyException.class)
        .hasMessageEndingWith(": the reply is larger than 4096 bytes");
  }

  @Test
  void aStalledReplyTimesOutInsteadOfHanging() throws IOException {
    SoapTransport transport = open(SoapOptions.defaults().withCallTimeout(Duration.ofSeconds(1)));
    server.onReply(
        "RetrievePropertiesEx",
        Reply.ok(response("RetrievePropertiesEx", "<returnval/>")).stalling(30_000));
    assertThatThrownBy(() -> transport.call("RetrievePropertiesEx", PC, BODY, Duration.ZERO))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Cannot call RetrievePropertiesEx")
        .message()
        .doesNotContain("\n");
  }

  @Test
  void anUnreachableServerIsAOneLineError() throws IOException {
    URI url = server.url();
    server.close();
    assertThatThrownBy(
            () ->
                SoapTransport.open(
                    url, new TrustOptions.SystemTrust(), SoapOptions.defaults(), w -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("Cannot negotiate the API version with " + url.getRawAuthority())
        .message()
        .doesNotContain("\n");
  }
}
