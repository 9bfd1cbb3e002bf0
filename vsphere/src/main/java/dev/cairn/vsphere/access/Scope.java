package dev.cairn.vsphere.access;

/** The object a privilege is checked on (privileges are granted per object in vCenter). */
public enum Scope {
  /** The root folder (vCenter itself). */
  ROOT,
  /** The VM being backed up, or whose disk is restored. */
  VM,
  /** The VM folder a restored VM goes into. */
  FOLDER,
  /** The resource pool (or cluster's root pool) a restored VM joins. */
  RESOURCE_POOL,
  /** A datastore read from or written to. */
  DATASTORE,
  /** A network a restored VM's adapters connect to. */
  NETWORK
}
