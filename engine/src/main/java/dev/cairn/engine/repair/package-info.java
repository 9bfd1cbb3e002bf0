/** Repairs that rebuild derived metadata from the data itself (the index from pack trailers). */
package dev.cairn.engine.repair;
