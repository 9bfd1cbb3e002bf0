package dev.cairn.repository.blockmap;

/**
 * Where block-map pages are kept: the repository stores them as TREE blobs in tree packs. A backup
 * both reads its parent's pages and writes new ones; readers of committed points only read.
 */
public interface PageStore extends PageSource, PageSink {}
