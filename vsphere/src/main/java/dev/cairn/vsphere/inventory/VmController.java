package dev.cairn.vsphere.inventory;

/** A disk controller of a VM: its vim25 type, key, bus number and SCSI sharing (or empty). */
public record VmController(String type, int key, int busNumber, String sharedBus) {}
