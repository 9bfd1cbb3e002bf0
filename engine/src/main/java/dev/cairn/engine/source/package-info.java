/** Disk sources (image files, block devices) and changed-extent lists for incrementals. */
package dev.cairn.engine.source;
