/**
 * The vim25 SOAP transport: envelopes posted over the JDK's HttpClient (one client, HTTP/1.1,
 * keep-alive), the session cookie, TLS trust (system store, a pinned thumbprint, or none with a
 * warning), a small XML writer for requests in WSDL element order, replies parsed with StAX into
 * {@link dev.cairn.vsphere.soap.XmlNode} trees, and faults mapped to {@link
 * dev.cairn.vsphere.soap.VimFault}. Nothing of Cairn is used here; no secret (password, cookie)
 * reaches an exception, a log or a {@code toString}.
 */
package dev.cairn.vsphere.soap;
