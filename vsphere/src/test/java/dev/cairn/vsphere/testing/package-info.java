/**
 * Test helpers for the vSphere connector: {@link dev.cairn.vsphere.testing.VcSim} runs {@code
 * cairn-vcsim}, govmomi's vCenter simulator extended with real disk bytes, Changed Block Tracking,
 * {@code QueryChangedDiskAreas} and injectable faults (sources and README in {@code
 * src/test/go/cairn-vcsim}). Shipped in the module's test-jar.
 */
package dev.cairn.vsphere.testing;
