/** An NBD client: one {@link dev.cairn.nbd.client.NbdClient} per connection. */
package dev.cairn.nbd.client;
