/** Progress reporting from the engine to whoever drives it (terminal, JSON, later the server). */
package dev.cairn.engine.progress;
