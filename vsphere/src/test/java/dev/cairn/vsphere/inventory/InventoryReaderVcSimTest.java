package dev.cairn.vsphere.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.testing.VcSim;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The inventory of cairn-vcsim, with a tag attached through its vAPI REST interface. */
class InventoryReaderVcSimTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static VcSim sim;

  @BeforeAll
  static void start() throws Exception {
    sim = VcSim.start(VcSim.Options.defaults().withInventory(1, 1, 2).withVmsPerPool(3));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
  }

  static VimClient connect() throws IOException {
    VimClient client =
        VimClient.connect(
            sim.url(),
            new TrustOptions.PinnedThumbprint(sim.thumbprint()),
            SoapOptions.defaults(),
            w -> {});
    client.login(sim.user(), sim.password());
    return client;
  }

  TagReader tags(VimClient client) {
    return new TagReader(
        client.transport().httpClient(),
        client.transport().server(),
        sim.user(),
        sim.password(),
        Duration.ofSeconds(30));
  }

  @Test
  void readsEveryKindOfObjectAndTheVmsDisks() throws IOException {
    try (VimClient client = connect()) {
      Inventory inventory = new InventoryReader(client).read(tags(client));
      assertThat(inventory.datacenters())
          .singleElement()
          .extracting(Datacenter::path)
          .isEqualTo("DC0");
      assertThat(inventory.clusters()).hasSize(1);
      assertThat(inventory.hosts()).hasSizeGreaterThanOrEqualTo(2);
      assertThat(inventory.resourcePools()).isNotEmpty();
      assertThat(inventory.datastores())
          .isNotEmpty()
          .allSatisfy(ds -> assertThat(ds.capacityBytes()).isPositive());
      assertThat(inventory.networks()).isNotEmpty();
      assertThat(inventory.folders()).isNotEmpty();
      assertThat(inventory.vms()).hasSizeGreaterThanOrEqualTo(3);
      Vm vm = inventory.vms().getFirst();
      assertThat(vm.path()).startsWith("DC0/vm/");
      assertThat(vm.instanceUuid()).isNotEmpty();
      assertThat(vm.powerState()).isNotEmpty();
      assertThat(vm.cpus()).isPositive();
      assertThat(vm.disks())
          .singleElement()
          .satisfies(
              disk -> {
                assertThat(disk.capacityBytes()).isEqualTo(16L << 20);
                assertThat(disk.fileName()).startsWith("[").endsWith(".vmdk");
                assertThat(disk.controllerType()).isNotEmpty();
                assertThat(disk.datastore()).isNotNull();
                assertThat(disk.changeId()).isEmpty();
              });
      assertThat(inventory.datacenterOf(vm)).map(Datacenter::name).contains("DC0");
      assertThat(inventory.warnings()).isEmpty();
    }
  }

  @Test
  void readsTagsAttachedThroughTheTaggingService() throws Exception {
    try (VimClient client = connect()) {
      Vm vm = new InventoryReader(client).read(null).vms().getFirst();
      attachTag(client, "backup-policy", "gold", vm);
      Inventory inventory = new InventoryReader(client).read(tags(client));
      Vm tagged = inventory.vm(vm.ref().value()).orElseThrow();
      assertThat(tagged.tags())
          .extracting(Tag::name, Tag::category)
          .contains(org.assertj.core.groups.Tuple.tuple("gold", "backup-policy"));
      assertThat(inventory.warnings()).isEmpty();
    }
  }

  @Test
  void withoutTheTaggingServiceTheInventoryStillComesWithAWarning() throws IOException {
    try (VimClient client = connect()) {
      int closedPort;
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        closedPort = socket.getLocalPort();
      }
      // The simulator's vAPI accepts any password, so the service is made unreachable instead.
      TagReader refused =
          new TagReader(
              client.transport().httpClient(),
              java.net.URI.create("http://127.0.0.1:" + closedPort),
              sim.user(),
              "not-the-password",
              Duration.ofSeconds(30));
      Inventory inventory = new InventoryReader(client).read(refused);
      assertThat(inventory.vms()).isNotEmpty();
      assertThat(inventory.warnings())
          .singleElement()
          .asString()
          .startsWith("Cannot read /api/session from 127.0.0.1:" + closedPort)
          .endsWith("(the inventory has no tags)")
          .doesNotContain("not-the-password");
    }
  }

  @Test
  void readsOneVmWithItsPath() throws IOException {
    try (VimClient client = connect()) {
      Vm listed = new InventoryReader(client).read(null).vms().getFirst();
      Vm read = new InventoryReader(client).readVm(listed.ref());
      assertThat(read.path()).isEqualTo(listed.path());
      assertThat(read.disks()).isEqualTo(listed.disks());
    }
  }

  /** Makes a category and a tag and attaches it to {@code vm}, through the /rest interface. */
  static void attachTag(VimClient client, String category, String tag, Vm vm) throws Exception {
    HttpClient http = client.transport().httpClient();
    var server = client.transport().server();
    String basic =
        Base64.getEncoder()
            .encodeToString((sim.user() + ":" + sim.password()).getBytes(StandardCharsets.UTF_8));
    String session =
        send(
                http,
                HttpRequest.newBuilder(server.resolve("/rest/com/vmware/cis/session"))
                    .header("Authorization", "Basic " + basic)
                    .POST(HttpRequest.BodyPublishers.noBody()))
            .path("value")
            .asText();
    String categoryId =
        send(
                http,
                json(
                    server.resolve("/rest/com/vmware/cis/tagging/category"),
                    session,
                    Map.of(
                        "create_spec",
                        Map.of(
                            "name",
                            category,
                            "description",
                            "",
                            "cardinality",
                            "MULTIPLE",
                            "associable_types",
                            java.util.List.of()))))
            .path("value")
            .asText();
    String tagId =
        send(
                http,
                json(
                    server.resolve("/rest/com/vmware/cis/tagging/tag"),
                    session,
                    Map.of(
                        "create_spec",
                        Map.of("name", tag, "description", "", "category_id", categoryId))))
            .path("value")
            .asText();
    send(
        http,
        json(
            server.resolve(
                "/rest/com/vmware/cis/tagging/tag-association/id:" + tagId + "?~action=attach"),
            session,
            Map.of("object_id", Map.of("id", vm.ref().value(), "type", vm.ref().type()))));
  }

  static HttpRequest.Builder json(java.net.URI uri, String session, Object body)
      throws IOException {
    return HttpRequest.newBuilder(uri)
        .header("vmware-api-session-id", session)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
  }

  static JsonNode send(HttpClient http, HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
  }
}
