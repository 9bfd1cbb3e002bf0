package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The vCenter login of the commands whose {@code --vsphere URL} sits beside a repository ({@code
 * backup}, {@code restore}): the user, the password (its own flag, since {@code --password-file} is
 * the repository's) and the TLS trust. A picocli mixin, so both commands share one definition.
 */
final class VsphereLogin {
  @Option(
      names = "--user",
      paramLabel = "USER",
      description = "With --vsphere: the vCenter user, such as backup@vsphere.local.")
  String user;

  @Option(
      names = "--vsphere-password-file",
      paramLabel = "FILE",
      description =
          "With --vsphere: a file whose first line is the vCenter password (default: the"
              + " CAIRN_VSPHERE_PASSWORD environment variable).")
  Path passwordFile;

  @Option(
      names = "--thumbprint",
      paramLabel = "SHA256",
      description = "With --vsphere: trust exactly the server certificate with this thumbprint.")
  String thumbprint;

  @Option(
      names = "--insecure",
      description = "With --vsphere: do not verify the server certificate (labs only; warns).")
  boolean insecure;

  /**
   * The connection to {@code url}.
   *
   * @param action what the command does, for the message when {@code --user} is missing ("back up
   *     from")
   */
  VsphereOptions connection(String url, String action) throws CairnException {
    if (user == null) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT, "Cannot " + action + " " + url + ": give --user");
    }
    return VsphereOptions.of(url, user, passwordFile, thumbprint, insecure);
  }
}
