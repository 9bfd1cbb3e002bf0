/**
 * The typed part of the vim25 API that Cairn calls: {@link dev.cairn.vsphere.vim.VimClient}
 * (session, PropertyCollector with paging, container views, tasks awaited through WaitForUpdatesEx,
 * snapshots, Changed Block Tracking, VM creation, privileges), the request bodies in WSDL order
 * ({@link dev.cairn.vsphere.vim.VimRequests}) and the data objects they carry, as records whose
 * components follow the WSDL order of their fields.
 */
package dev.cairn.vsphere.vim;
