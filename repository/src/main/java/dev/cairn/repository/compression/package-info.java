/** zstd compression of chunks and metadata, with the keep-raw rule for incompressible data. */
package dev.cairn.repository.compression;
