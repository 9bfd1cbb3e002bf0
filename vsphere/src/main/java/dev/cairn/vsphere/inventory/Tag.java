package dev.cairn.vsphere.inventory;

/** A vSphere tag (vAPI tagging) and its category's name. */
public record Tag(String id, String name, String category) {}
