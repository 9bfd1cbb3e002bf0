package dev.cairn.vsphere.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.vsphere.soap.ManagedObjectReference;
import dev.cairn.vsphere.soap.XmlNode;
import dev.cairn.vsphere.soap.XmlParser;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A VM's devices as vCenter returns config.hardware.device. */
class VmDevicesTest {
  static final String DEVICES =
      """
      <val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfVirtualDevice">
        <VirtualDevice xsi:type="VirtualIDEController"><key>200</key><busNumber>0</busNumber></VirtualDevice>
        <VirtualDevice xsi:type="ParaVirtualSCSIController"><key>1000</key>
          <deviceInfo><label>SCSI controller 0</label></deviceInfo>
          <controllerKey>100</controllerKey><unitNumber>3</unitNumber><busNumber>0</busNumber>
          <device>2001</device><device>2000</device><hotAddRemove>true</hotAddRemove>
          <sharedBus>noSharing</sharedBus><scsiCtlrUnitNumber>7</scsiCtlrUnitNumber></VirtualDevice>
        <VirtualDevice xsi:type="VirtualNVMEController"><key>31000</key><busNumber>0</busNumber></VirtualDevice>
        <VirtualDevice xsi:type="VirtualDisk"><key>2001</key>
          <deviceInfo><label>Hard disk 2</label></deviceInfo>
          <backing xsi:type="VirtualDiskRawDiskMappingVer1BackingInfo">
            <fileName>[ds1] web/web_1.vmdk</fileName><datastore type="Datastore">datastore-11</datastore>
            <lunUuid>0200</lunUuid><deviceName>vml.0200</deviceName>
            <compatibilityMode>physicalMode</compatibilityMode><diskMode>independent_persistent</diskMode>
          </backing>
          <controllerKey>1000</controllerKey><unitNumber>1</unitNumber>
          <capacityInKB>1048576</capacityInKB></VirtualDevice>
        <VirtualDevice xsi:type="VirtualDisk"><key>2000</key>
          <deviceInfo><label>Hard disk 1</label></deviceInfo>
          <backing xsi:type="VirtualDiskFlatVer2BackingInfo">
            <fileName>[ds1] web/web.vmdk</fileName><datastore type="Datastore">datastore-11</datastore>
            <diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned>
            <uuid>6000C29a-1111</uuid><changeId>52 aa bb cc dd ee ff 00-11 22 33 44 55 66 77 88/5</changeId>
          </backing>
          <controllerKey>1000</controllerKey><unitNumber>0</unitNumber>
          <capacityInKB>20971520</capacityInKB><capacityInBytes>21474836480</capacityInBytes></VirtualDevice>
        <VirtualDevice xsi:type="VirtualDisk"><key>16000</key>
          <backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[ds2] web/web_2.vmdk</fileName>
            <diskMode>persistent</diskMode><thinProvisioned>false</thinProvisioned></backing>
          <controllerKey>31000</controllerKey><unitNumber>0</unitNumber>
          <capacityInKB>1024</capacityInKB><capacityInBytes>1048576</capacityInBytes></VirtualDevice>
        <VirtualDevice xsi:type="VirtualVmxnet3"><key>4000</key>
          <deviceInfo><label>Network adapter 1</label></deviceInfo>
          <backing xsi:type="VirtualEthernetCardDistributedVirtualPortBackingInfo">
            <port><switchUuid>50 12 aa</switchUuid><portgroupKey>dvportgroup-20</portgroupKey><portKey>7</portKey></port>
          </backing>
          <connectable><startConnected>true</startConnected><allowGuestControl>true</allowGuestControl>
            <connected>true</connected></connectable>
          <addressType>assigned</addressType><macAddress>00:50:56:aa:bb:cc</macAddress></VirtualDevice>
        <VirtualDevice xsi:type="VirtualE1000e"><key>4001</key>
          <backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>VM Network</deviceName>
            <network type="Network">network-15</network></backing>
          <addressType>generated</addressType></VirtualDevice>
      </val>
      """;

  @Test
  void readsControllersDisksInKeyOrderAndNics() throws Exception {
    XmlNode value = XmlParser.parse(DEVICES.getBytes(StandardCharsets.UTF_8));
    VmDevices devices =
        VmDevices.of(
            value,
            Map.of(
                new ManagedObjectReference("DistributedVirtualPortgroup", "dvportgroup-20"),
                "Prod-Segment",
                new ManagedObjectReference("Network", "network-15"),
                "VM Network"));
    assertThat(devices.controllers())
        .containsExactly(
            new VmController("VirtualIDEController", 200, 0, ""),
            new VmController("ParaVirtualSCSIController", 1000, 0, "noSharing"),
            new VmController("VirtualNVMEController", 31000, 0, ""));
    assertThat(devices.disks()).extracting(VmDisk::key).containsExactly(2000, 2001, 16000);
    VmDisk first = devices.disks().getFirst();
    assertThat(first)
        .isEqualTo(
            new VmDisk(
                2000,
                "Hard disk 1",
                1000,
                "ParaVirtualSCSIController",
                0,
                0,
                20L << 30,
                "[ds1] web/web.vmdk",
                new ManagedObjectReference("Datastore", "datastore-11"),
                "VirtualDiskFlatVer2BackingInfo",
                true,
                "persistent",
                "6000C29a-1111",
                "52 aa bb cc dd ee ff 00-11 22 33 44 55 66 77 88/5"));
    assertThat(first.snapshotCapable()).isTrue();
    VmDisk rdm = devices.disks().get(1);
    assertThat(rdm.capacityBytes()).isEqualTo(1L << 30);
    assertThat(rdm.snapshotCapable()).isFalse();
    VmDisk nvme = devices.disks().get(2);
    assertThat(nvme.controllerType()).isEqualTo("VirtualNVMEController");
    assertThat(nvme.thin()).isFalse();
    assertThat(nvme.datastore()).isNull();
    assertThat(devices.nics())
        .containsExactly(
            new VmNic(
                4000,
                "Network adapter 1",
                "VirtualVmxnet3",
                "Prod-Segment",
                new ManagedObjectReference("DistributedVirtualPortgroup", "dvportgroup-20"),
                "50 12 aa",
                "dvportgroup-20",
                "00:50:56:aa:bb:cc",
                "assigned",
                true),
            new VmNic(
                4001,
                "",
                "VirtualE1000e",
                "VM Network",
                new ManagedObjectReference("Network", "network-15"),
                "",
                "",
                "",
                "generated",
                false));
  }
}
