package dev.cairn.storage;

/**
 * What a store knows about one object.
 *
 * @param name the object's name in the store
 * @param size its length in bytes
 */
public record ObjectInfo(String name, long size) {}
