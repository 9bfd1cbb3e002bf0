package dev.cairn.vsphere.vim;

import java.util.List;

/** The properties ({@code propSet}) of the objects ({@code objectSet}) to retrieve or watch. */
public record PropertyFilterSpec(List<PropertySpec> propSet, List<ObjectSpec> objectSet) {
  public PropertyFilterSpec {
    propSet = List.copyOf(propSet);
    objectSet = List.copyOf(objectSet);
  }
}
