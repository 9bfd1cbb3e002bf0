package dev.cairn.cli;

import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.vsphere.access.MissingPrivilegesException;
import dev.cairn.vsphere.soap.MalformedReplyException;
import dev.cairn.vsphere.soap.SoapOptions;
import dev.cairn.vsphere.soap.TrustOptions;
import dev.cairn.vsphere.soap.VimFault;
import dev.cairn.vsphere.vim.VimClient;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * How a command reaches vCenter or ESXi: URL, user, password (file or {@code
 * CAIRN_VSPHERE_PASSWORD}), and TLS trust. A mixin, so inventory, backup and restore share it.
 */
final class VsphereOptions {
  static final String PASSWORD_VARIABLE = "CAIRN_VSPHERE_PASSWORD";

  // The flags' names in messages: `backup` names them --vsphere and --vsphere-password-file,
  // since its --password-file is the repository's.
  String urlFlag = "--url";
  String passwordFlag = "--password-file";

  /** The same connection given by {@code backup}'s own flags. */
  static VsphereOptions of(
      String url, String user, Path passwordFile, String thumbprint, boolean insecure) {
    VsphereOptions options = new VsphereOptions();
    options.url = url;
    options.user = user;
    options.passwordFile = passwordFile;
    options.trust.thumbprint = thumbprint;
    options.trust.insecure = insecure;
    options.urlFlag = "--vsphere";
    options.passwordFlag = "--vsphere-password-file";
    return options;
  }

  @Option(
      names = "--url",
      required = true,
      paramLabel = "URL",
      description = "The vSphere SDK endpoint, https://HOST/sdk (http:// only for labs).")
  String url;

  @Option(
      names = "--user",
      required = true,
      paramLabel = "USER",
      description = "The vCenter user, such as backup@vsphere.local.")
  String user;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description =
          "A file whose first line is the password (default: the "
              + PASSWORD_VARIABLE
              + " environment variable).")
  Path passwordFile;

  @ArgGroup(exclusive = true)
  Trust trust = new Trust();

  static final class Trust {
    @Option(
        names = "--thumbprint",
        paramLabel = "SHA256",
        description =
            "Trust exactly the server certificate with this SHA-256 thumbprint (hex, colons"
                + " optional), CA-signed or not.")
    String thumbprint;

    @Option(
        names = "--insecure",
        description = "Do not verify the server certificate at all (labs only; warns).")
    boolean insecure;
  }

  /** The parsed URL. */
  URI uri() throws CairnException {
    try {
      URI parsed = new URI(url);
      if (parsed.getScheme() == null || parsed.getHost() == null) {
        throw new URISyntaxException(url, "expected https://HOST/sdk");
      }
      return parsed;
    } catch (URISyntaxException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot use " + urlFlag + " " + url + ": expected https://HOST/sdk");
    }
  }

  TrustOptions trustOptions() throws CairnException {
    if (trust.insecure) {
      return new TrustOptions.Insecure();
    }
    if (trust.thumbprint != null) {
      try {
        return new TrustOptions.PinnedThumbprint(trust.thumbprint);
      } catch (IllegalArgumentException e) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT, "Cannot use --thumbprint: " + e.getMessage());
      }
    }
    return new TrustOptions.SystemTrust();
  }

  /** The password from the file's first line, or from the environment. */
  String password() throws CairnException {
    if (passwordFile == null) {
      String fromEnvironment = System.getenv(PASSWORD_VARIABLE);
      if (fromEnvironment == null || fromEnvironment.isEmpty()) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot log in to " + url + ": give " + passwordFlag + " or set " + PASSWORD_VARIABLE);
      }
      return fromEnvironment;
    }
    try {
      String content = Files.readString(passwordFile, StandardCharsets.UTF_8);
      String firstLine = content.lines().findFirst().orElse("");
      if (firstLine.isEmpty()) {
        throw new CairnException(
            ErrorCode.INVALID_INPUT,
            "Cannot use " + passwordFlag + " " + passwordFile + ": it is empty");
      }
      return firstLine;
    } catch (NoSuchFileException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot use " + passwordFlag + " " + passwordFile + ": no such file");
    } catch (IOException e) {
      throw new CairnException(
          ErrorCode.INVALID_INPUT,
          "Cannot use " + passwordFlag + " " + passwordFile + ": " + e.getMessage());
    }
  }

  /** Connects and logs in; failures become one-line {@link CairnException}s with their code. */
  VimClient connect(Consumer<String> warnings) throws CairnException {
    URI endpoint = uri();
    TrustOptions trustOptions = trustOptions();
    String secret = password();
    VimClient client;
    try {
      client = VimClient.connect(endpoint, trustOptions, SoapOptions.defaults(), warnings);
    } catch (IOException e) {
      throw classify(e);
    }
    try {
      client.login(user, secret);
      return client;
    } catch (VimFault.InvalidLogin e) {
      client.close();
      throw new CairnException(
          ErrorCode.ACCESS_DENIED,
          "Cannot log in to " + endpoint.getRawAuthority() + " as " + user + ": " + e.reason(),
          e);
    } catch (IOException e) {
      client.close();
      throw classify(e);
    }
  }

  /** The exit code of a vSphere failure. */
  static CairnException classify(IOException e) {
    if (e instanceof CairnException cairn) {
      return cairn;
    }
    ErrorCode code =
        e instanceof VimFault.InvalidLogin
                || e instanceof VimFault.NoPermission
                || e instanceof MissingPrivilegesException
            ? ErrorCode.ACCESS_DENIED
            : e instanceof MalformedReplyException || e instanceof VimFault
                ? ErrorCode.HYPERVISOR_FAILED
                : e.getMessage() != null && e.getMessage().startsWith("Cannot use vSphere URL")
                    ? ErrorCode.INVALID_INPUT
                    : ErrorCode.HYPERVISOR_FAILED;
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new CairnException(code, message.replace('\n', ' '), e);
  }
}
