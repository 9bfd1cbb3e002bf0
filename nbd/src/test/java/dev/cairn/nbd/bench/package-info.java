/** A throughput benchmark of the NBD client, run by {@code benchmarks/nbd-read.sh}. */
package dev.cairn.nbd.bench;
