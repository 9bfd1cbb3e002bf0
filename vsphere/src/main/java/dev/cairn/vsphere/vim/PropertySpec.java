package dev.cairn.vsphere.vim;

import java.util.List;

/**
 * Which properties to retrieve of objects of {@code type}: every property when {@code all}, else
 * {@code pathSet} (WSDL order: type, all, pathSet).
 */
public record PropertySpec(String type, boolean all, List<String> pathSet) {
  public PropertySpec {
    pathSet = List.copyOf(pathSet);
  }

  /** The given properties of objects of {@code type}. */
  public static PropertySpec of(String type, List<String> paths) {
    return new PropertySpec(type, false, paths);
  }
}
