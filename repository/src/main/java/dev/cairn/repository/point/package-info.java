/** Restore points: immutable manifests whose creation commits a backup. */
package dev.cairn.repository.point;
