package dev.cairn.nbd.protocol;

/**
 * The numbers of the NBD wire protocol (fixed newstyle handshake, simple and structured replies,
 * meta contexts), as the protocol specification ({@code doc/proto.md} of the NBD project) defines
 * them. All fields travel big-endian; 16- and 32-bit fields are unsigned on the wire and held here
 * in the next wider Java type only where a value can exceed the signed range.
 */
public final class NbdProtocol {
  private NbdProtocol() {}

  /** The IANA-registered TCP port for newstyle negotiation. */
  public static final int DEFAULT_PORT = 10809;

  // Magic numbers.
  /** ASCII "NBDMAGIC": first 8 bytes the server sends. */
  public static final long NBDMAGIC = 0x4e42444d41474943L;

  /** ASCII "IHAVEOPT": second server magic of newstyle negotiation, and prefix of every option. */
  public static final long IHAVEOPT = 0x49484156454F5054L;

  /** Second server magic of the unsupported oldstyle negotiation. */
  public static final long CLISERV_MAGIC = 0x00420281861253L;

  /** Prefix of every option reply during fixed newstyle haggling. */
  public static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;

  public static final int REQUEST_MAGIC = 0x25609513;
  public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
  public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

  // Handshake flags (16 bits, server) and client flags (32 bits).
  public static final int FLAG_FIXED_NEWSTYLE = 1;
  public static final int FLAG_NO_ZEROES = 1 << 1;
  public static final int FLAG_C_FIXED_NEWSTYLE = 1;
  public static final int FLAG_C_NO_ZEROES = 1 << 1;

  /** Zero bytes that follow NBD_OPT_EXPORT_NAME's reply unless NO_ZEROES was agreed. */
  public static final int EXPORT_NAME_PADDING = 124;

  // Transmission flags (16 bits).
  public static final int FLAG_HAS_FLAGS = 1;
  public static final int FLAG_READ_ONLY = 1 << 1;
  public static final int FLAG_SEND_FLUSH = 1 << 2;
  public static final int FLAG_SEND_FUA = 1 << 3;
  public static final int FLAG_ROTATIONAL = 1 << 4;
  public static final int FLAG_SEND_TRIM = 1 << 5;
  public static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
  public static final int FLAG_SEND_DF = 1 << 7;
  public static final int FLAG_CAN_MULTI_CONN = 1 << 8;
  public static final int FLAG_SEND_RESIZE = 1 << 9;
  public static final int FLAG_SEND_CACHE = 1 << 10;
  public static final int FLAG_SEND_FAST_ZERO = 1 << 11;

  // Options.
  public static final int OPT_EXPORT_NAME = 1;
  public static final int OPT_ABORT = 2;
  public static final int OPT_LIST = 3;
  public static final int OPT_STARTTLS = 5;
  public static final int OPT_INFO = 6;
  public static final int OPT_GO = 7;
  public static final int OPT_STRUCTURED_REPLY = 8;
  public static final int OPT_LIST_META_CONTEXT = 9;
  public static final int OPT_SET_META_CONTEXT = 10;

  // Option reply types; errors have bit 31 set.
  public static final int REP_ACK = 1;
  public static final int REP_SERVER = 2;
  public static final int REP_INFO = 3;
  public static final int REP_META_CONTEXT = 4;
  public static final int REP_FLAG_ERROR = 1 << 31;
  public static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
  public static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
  public static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
  public static final int REP_ERR_PLATFORM = REP_FLAG_ERROR | 4;
  public static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
  public static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
  public static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
  public static final int REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR | 8;
  public static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

  // Information types of NBD_REP_INFO (16 bits) and their payload sizes including the type.
  public static final int INFO_EXPORT = 0;
  public static final int INFO_NAME = 1;
  public static final int INFO_DESCRIPTION = 2;
  public static final int INFO_BLOCK_SIZE = 3;
  public static final int INFO_EXPORT_LENGTH = 12;
  public static final int INFO_BLOCK_SIZE_LENGTH = 14;

  // Commands (16 bits).
  public static final int CMD_READ = 0;
  public static final int CMD_WRITE = 1;
  public static final int CMD_DISC = 2;
  public static final int CMD_FLUSH = 3;
  public static final int CMD_TRIM = 4;
  public static final int CMD_CACHE = 5;
  public static final int CMD_WRITE_ZEROES = 6;
  public static final int CMD_BLOCK_STATUS = 7;

  // Command flags (16 bits).
  public static final int CMD_FLAG_FUA = 1;
  public static final int CMD_FLAG_NO_HOLE = 1 << 1;
  public static final int CMD_FLAG_DF = 1 << 2;
  public static final int CMD_FLAG_REQ_ONE = 1 << 3;
  public static final int CMD_FLAG_FAST_ZERO = 1 << 4;

  // Structured reply flags and chunk types (16 bits); error chunk types have bit 15 set.
  public static final int REPLY_FLAG_DONE = 1;
  public static final int REPLY_TYPE_NONE = 0;
  public static final int REPLY_TYPE_OFFSET_DATA = 1;
  public static final int REPLY_TYPE_OFFSET_HOLE = 2;
  public static final int REPLY_TYPE_BLOCK_STATUS = 5;
  public static final int REPLY_TYPE_FLAG_ERROR = 1 << 15;
  public static final int REPLY_TYPE_ERROR = REPLY_TYPE_FLAG_ERROR | 1;
  public static final int REPLY_TYPE_ERROR_OFFSET = REPLY_TYPE_FLAG_ERROR | 2;

  // Error numbers of replies.
  public static final int EPERM = 1;
  public static final int EIO = 5;
  public static final int ENOMEM = 12;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int EOVERFLOW = 75;
  public static final int ENOTSUP = 95;
  public static final int ESHUTDOWN = 108;

  // base:allocation status flags.
  public static final String BASE_ALLOCATION = "base:allocation";
  public static final String QEMU_DIRTY_BITMAP_PREFIX = "qemu:dirty-bitmap:";
  public static final int STATE_HOLE = 1;
  public static final int STATE_ZERO = 1 << 1;

  /** A qemu dirty bitmap context sets this bit on dirty extents. */
  public static final int STATE_DIRTY = 1;

  // Limits.
  /** Longest string (export name, message, context name) the protocol allows, in bytes. */
  public static final int MAX_STRING_LENGTH = 4096;

  /** Payload size every server must accept and no party may call a denial of service: 32 MiB. */
  public static final int SAFE_PAYLOAD = 1 << 25;

  /** Largest minimum block size a server may advertise. */
  public static final int MAX_MINIMUM_BLOCK_SIZE = 1 << 16;

  /** Descriptors a server should send at most in one block-status chunk. */
  public static final int MAX_BLOCK_STATUS_DESCRIPTORS = 1 << 20;

  /** The name of an option, e.g. {@code NBD_OPT_GO}, for messages. */
  public static String optionName(int option) {
    return switch (option) {
      case OPT_EXPORT_NAME -> "NBD_OPT_EXPORT_NAME";
      case OPT_ABORT -> "NBD_OPT_ABORT";
      case OPT_LIST -> "NBD_OPT_LIST";
      case OPT_STARTTLS -> "NBD_OPT_STARTTLS";
      case OPT_INFO -> "NBD_OPT_INFO";
      case OPT_GO -> "NBD_OPT_GO";
      case OPT_STRUCTURED_REPLY -> "NBD_OPT_STRUCTURED_REPLY";
      case OPT_LIST_META_CONTEXT -> "NBD_OPT_LIST_META_CONTEXT";
      case OPT_SET_META_CONTEXT -> "NBD_OPT_SET_META_CONTEXT";
      default -> "option " + Integer.toUnsignedString(option);
    };
  }

  /** The name of an option reply type, e.g. {@code NBD_REP_ERR_UNKNOWN}, for messages. */
  public static String optionReplyName(int type) {
    return switch (type) {
      case REP_ACK -> "NBD_REP_ACK";
      case REP_SERVER -> "NBD_REP_SERVER";
      case REP_INFO -> "NBD_REP_INFO";
      case REP_META_CONTEXT -> "NBD_REP_META_CONTEXT";
      case REP_ERR_UNSUP -> "NBD_REP_ERR_UNSUP";
      case REP_ERR_POLICY -> "NBD_REP_ERR_POLICY";
      case REP_ERR_INVALID -> "NBD_REP_ERR_INVALID";
      case REP_ERR_PLATFORM -> "NBD_REP_ERR_PLATFORM";
      case REP_ERR_TLS_REQD -> "NBD_REP_ERR_TLS_REQD";
      case REP_ERR_UNKNOWN -> "NBD_REP_ERR_UNKNOWN";
      case REP_ERR_SHUTDOWN -> "NBD_REP_ERR_SHUTDOWN";
      case REP_ERR_BLOCK_SIZE_REQD -> "NBD_REP_ERR_BLOCK_SIZE_REQD";
      case REP_ERR_TOO_BIG -> "NBD_REP_ERR_TOO_BIG";
      default -> "reply type 0x" + Integer.toHexString(type);
    };
  }

  /** Whether an option reply type is an error. */
  public static boolean isOptionError(int type) {
    return (type & REP_FLAG_ERROR) != 0;
  }

  /** The name of a command, e.g. {@code NBD_CMD_READ}, for messages. */
  public static String commandName(int command) {
    return switch (command) {
      case CMD_READ -> "NBD_CMD_READ";
      case CMD_WRITE -> "NBD_CMD_WRITE";
      case CMD_DISC -> "NBD_CMD_DISC";
      case CMD_FLUSH -> "NBD_CMD_FLUSH";
      case CMD_TRIM -> "NBD_CMD_TRIM";
      case CMD_CACHE -> "NBD_CMD_CACHE";
      case CMD_WRITE_ZEROES -> "NBD_CMD_WRITE_ZEROES";
      case CMD_BLOCK_STATUS -> "NBD_CMD_BLOCK_STATUS";
      default -> "command " + command;
    };
  }

  /** The symbolic name of an error number with its meaning, e.g. {@code EIO (I/O error)}. */
  public static String errorName(int error) {
    return switch (error) {
      case EPERM -> "EPERM (operation not permitted)";
      case EIO -> "EIO (input/output error)";
      case ENOMEM -> "ENOMEM (cannot allocate memory)";
      case EINVAL -> "EINVAL (invalid argument)";
      case ENOSPC -> "ENOSPC (no space left on device)";
      case EOVERFLOW -> "EOVERFLOW (value too large)";
      case ENOTSUP -> "ENOTSUP (operation not supported)";
      case ESHUTDOWN -> "ESHUTDOWN (server is shutting down)";
      default -> "error " + Integer.toUnsignedString(error);
    };
  }
}
