/** The {@code cairn} command line: parses arguments, reads passwords, prints results. */
package dev.cairn.cli;
