/** GFS retention: which restore points to keep and why. */
package dev.cairn.engine.retention;
