package dev.cairn.vsphere.vim;

/**
 * The logged-in session. {@code key} identifies it to {@code HasPrivilegeOnEntity}; it is not the
 * cookie, but is kept out of {@code toString} all the same.
 */
public record UserSession(String key, String userName, String fullName) {
  @Override
  public String toString() {
    return "UserSession[" + userName + "]";
  }
}
