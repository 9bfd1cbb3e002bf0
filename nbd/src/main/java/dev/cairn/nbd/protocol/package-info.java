/** Wire constants and message encoding shared by the client and the server. */
package dev.cairn.nbd.protocol;
