/** The repository's config object: format version, required features, block and pack sizes. */
package dev.cairn.repository.config;
