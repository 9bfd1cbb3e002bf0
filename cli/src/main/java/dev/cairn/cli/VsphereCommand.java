package dev.cairn.cli;

import dev.cairn.vsphere.access.Operation;
import dev.cairn.vsphere.access.PrivilegeCheck;
import dev.cairn.vsphere.inventory.Cluster;
import dev.cairn.vsphere.inventory.Datacenter;
import dev.cairn.vsphere.inventory.Datastore;
import dev.cairn.vsphere.inventory.Host;
import dev.cairn.vsphere.inventory.Inventory;
import dev.cairn.vsphere.inventory.InventoryReader;
import dev.cairn.vsphere.inventory.TagReader;
import dev.cairn.vsphere.inventory.Vm;
import dev.cairn.vsphere.inventory.VmDisk;
import dev.cairn.vsphere.inventory.VmNic;
import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn vsphere ...}: commands that talk to vCenter or ESXi without a repository. */
@Command(
    name = "vsphere",
    description = "Work with vCenter or ESXi.",
    subcommands = {VsphereCommand.InventoryCommand.class})
final class VsphereCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a vsphere command");
  }

  /** {@code cairn vsphere inventory}: what Cairn sees, as a tree or JSON. */
  @Command(
      name = "inventory",
      description =
          "List datacenters, clusters, hosts, datastores and VMs with their disks, as the given"
              + " user sees them; checks the user's read privileges first.")
  static final class InventoryCommand implements Callable<Integer> {
    @Mixin VsphereOptions vsphere;
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--no-tags", description = "Do not read tags (vAPI REST).")
    boolean noTags;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      List<String> warnings = new ArrayList<>();
      Inventory inventory;
      try (VimClient client =
          vsphere.connect(
              warning -> {
                warnings.add(warning);
                err.println("cairn: warning: " + warning);
                err.flush();
              })) {
        new PrivilegeCheck(client).require(Operation.INVENTORY, Map.of());
        TagReader tags =
            noTags || !client.serviceContent().about().isVcenter()
                ? null
                : new TagReader(
                    client.transport().httpClient(),
                    client.transport().server(),
                    vsphere.user,
                    vsphere.password(),
                    Duration.ofMinutes(2));
        inventory = new InventoryReader(client).read(tags);
      } catch (IOException e) {
        throw VsphereOptions.classify(e);
      }
      for (String warning : inventory.warnings()) {
        err.println("cairn: warning: " + warning);
      }
      err.flush();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, toJson(inventory));
      } else {
        printTree(out, inventory);
      }
      out.flush();
      return 0;
    }
  }

  static void printTree(PrintWriter out, Inventory inventory) {
    out.printf(
        Locale.ROOT,
        "%s (vim25 %s): datacenters %d, clusters %d, hosts %d, datastores %d, VMs %d%n",
        inventory.server(),
        inventory.apiVersion(),
        inventory.datacenters().size(),
        inventory.clusters().size(),
        inventory.hosts().size(),
        inventory.datastores().size(),
        inventory.vms().size());
    for (Datacenter datacenter : inventory.datacenters()) {
      out.println("Datacenter " + datacenter.path() + " (" + datacenter.ref().value() + ")");
      for (Cluster cluster : inventory.clusters()) {
        if (inventory.datacenterOf(cluster).map(d -> d.equals(datacenter)).orElse(false)) {
          out.println("  Cluster " + cluster.name() + " (" + cluster.ref().value() + ")");
          for (Host host : inventory.hosts()) {
            if (cluster.ref().equals(host.parent())) {
              out.println("    Host " + host.name() + hostState(host));
            }
          }
        }
      }
      for (Host host : inventory.hosts()) {
        if (host.parent() != null
            && !host.parent().type().equals("ClusterComputeResource")
            && inventory.datacenterOf(host).map(d -> d.equals(datacenter)).orElse(false)) {
          out.println("  Host " + host.name() + hostState(host));
        }
      }
      for (Datastore datastore : inventory.datastores()) {
        if (inventory.datacenterOf(datastore).map(d -> d.equals(datacenter)).orElse(false)) {
          out.printf(
              Locale.ROOT,
              "  Datastore %s (%s, %s, %s free)%s%n",
              datastore.name(),
              datastore.type(),
              Output.bytes(datastore.capacityBytes()),
              Output.bytes(datastore.freeBytes()),
              datastore.accessible() ? "" : " inaccessible");
        }
      }
      for (Vm vm : inventory.vms()) {
        if (inventory.datacenterOf(vm).map(d -> d.equals(datacenter)).orElse(false)) {
          printVm(out, vm);
        }
      }
    }
  }

  private static String hostState(Host host) {
    String state = host.connectionState().isEmpty() ? "" : host.connectionState();
    if (host.inMaintenanceMode()) {
      state += ", maintenance";
    }
    return (host.version().isEmpty() ? "" : " ESXi " + host.version())
        + (state.isEmpty() ? "" : " (" + state + ")");
  }

  private static void printVm(PrintWriter out, Vm vm) {
    out.printf(
        Locale.ROOT,
        "  VM %s (%s) %s, %s, %d vCPU, %s, %s, CBT %s%n",
        vm.path(),
        vm.ref().value(),
        vm.powerState(),
        vm.guestId().isEmpty() ? "guest unknown" : vm.guestId(),
        vm.cpus(),
        Output.bytes(vm.memoryMb() << 20),
        vm.firmware().isEmpty() ? "bios" : vm.firmware(),
        vm.changeTrackingEnabled() ? "on" : "off");
    for (VmDisk disk : vm.disks()) {
      out.printf(
          Locale.ROOT,
          "    Disk %d %s: %s %s on %s %d:%d, %s%s%n",
          disk.key(),
          disk.label(),
          Output.bytes(disk.capacityBytes()),
          disk.thin() ? "thin" : "thick",
          disk.controllerType().isEmpty()
              ? "controller " + disk.controllerKey()
              : disk.controllerType(),
          disk.busNumber(),
          disk.unitNumber(),
          disk.fileName(),
          disk.changeId().isEmpty() ? "" : ", change id " + disk.changeId());
    }
    for (VmNic nic : vm.nics()) {
      out.printf(
          Locale.ROOT,
          "    NIC %s %s on %s%s%n",
          nic.label().isEmpty() ? String.valueOf(nic.key()) : nic.label(),
          nic.type(),
          nic.networkName().isEmpty() ? "?" : nic.networkName(),
          nic.macAddress().isEmpty() ? "" : ", " + nic.macAddress());
    }
    if (!vm.tags().isEmpty()) {
      out.println(
          "    Tags "
              + String.join(
                  ", ", vm.tags().stream().map(t -> t.category() + ":" + t.name()).toList()));
    }
    vm.customAttributes()
        .forEach((name, value) -> out.println("    Attribute " + name + " = " + value));
  }

  static Map<String, Object> toJson(Inventory inventory) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("server", inventory.server());
    json.put("apiVersion", inventory.apiVersion());
    json.put("datacenters", inventory.datacenters().stream().map(VsphereCommand::object).toList());
    json.put("folders", inventory.folders().stream().map(VsphereCommand::object).toList());
    json.put("clusters", inventory.clusters().stream().map(VsphereCommand::object).toList());
    json.put("hosts", inventory.hosts().stream().map(VsphereCommand::object).toList());
    json.put(
        "resourcePools", inventory.resourcePools().stream().map(VsphereCommand::object).toList());
    json.put("datastores", inventory.datastores().stream().map(VsphereCommand::object).toList());
    json.put("networks", inventory.networks().stream().map(VsphereCommand::object).toList());
    json.put("vms", inventory.vms().stream().map(VsphereCommand::object).toList());
    json.put("warnings", inventory.warnings());
    return json;
  }

  /** A record as a JSON object, references as "Type:value" strings. */
  private static Object object(Record record) {
    Map<String, Object> json = new LinkedHashMap<>();
    for (var component : record.getClass().getRecordComponents()) {
      try {
        json.put(component.getName(), value(component.getAccessor().invoke(record)));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Cannot serialise " + component, e);
      }
    }
    return json;
  }

  private static Object value(Object value) {
    return switch (value) {
      case null -> null;
      case ManagedObjectReference ref -> ref.toString();
      case Record record -> object(record);
      case List<?> list -> list.stream().map(VsphereCommand::value).toList();
      case Map<?, ?> map -> {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(String.valueOf(k), value(v)));
        yield copy;
      }
      default -> value;
    };
  }
}
