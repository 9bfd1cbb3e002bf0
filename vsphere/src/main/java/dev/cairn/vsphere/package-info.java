/**
 * The VMware vSphere connector (vCenter, ESXi, Azure VMware Solution). Its own vim25 SOAP client
 * ({@code soap}, {@code vim}: JDK HttpClient and StAX, no SOAP stack), inventory discovery, backup
 * through snapshots and Changed Block Tracking with the datastore-HTTP and NBD transports, and
 * restore as a new VM. The client packages use nothing of Cairn; the backup and restore packages
 * join them to the engine.
 */
package dev.cairn.vsphere;
