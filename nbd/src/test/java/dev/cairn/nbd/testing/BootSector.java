package dev.cairn.nbd.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bootable disk for tests that need a real guest without an operating system: its MBR boot
 * sector, hand-assembled x86 real-mode code, prints a marker line on the first serial port (COM1,
 * I/O port 0x3F8) and halts. Boot it with {@code qemu-system-x86_64 -nodefaults -display none
 * -no-reboot -serial stdio -accel tcg -m 64 -drive file=DISK,format=raw,if=ide} and wait for {@link
 * #marker} on QEMU's standard output.
 */
public final class BootSector {
  /** The marker the default disk prints. */
  public static final String DEFAULT_MARKER = "CAIRN-BOOT-OK";

  private static final int SECTOR = 512;
  private static final int LOAD_ADDRESS = 0x7C00; // where the BIOS loads and jumps to the MBR

  private BootSector() {}

  /**
   * A raw disk of {@code size} bytes (a multiple of 512) whose first sector prints {@code marker}
   * and a line end; the rest of the disk is {@code filler} (so tests can tell boot reads from
   * others).
   */
  public static byte[] disk(int size, String marker, byte filler) {
    if (size < SECTOR || size % SECTOR != 0) {
      throw new IllegalArgumentException("A boot disk needs whole sectors, not " + size + " bytes");
    }
    byte[] disk = new byte[size];
    Arrays.fill(disk, SECTOR, size, filler);
    System.arraycopy(sector(marker), 0, disk, 0, SECTOR);
    return disk;
  }

  /** The 512-byte boot sector printing {@code marker} (printable ASCII, at most 400 bytes). */
  public static byte[] sector(String marker) {
    byte[] text = (marker + "\r\n").getBytes(StandardCharsets.US_ASCII);
    if (!marker.chars().allMatch(c -> c >= 0x20 && c < 0x7F) || text.length > 400) {
      throw new IllegalArgumentException("A boot marker must be short printable ASCII");
    }
    ByteArrayOutputStream code = new ByteArrayOutputStream();
    // Offsets are from the start of the sector; jumps are relative to the next instruction.
    emit(code, 0xFA); // 00 cli             no interrupts: hlt below then stops for good
    emit(code, 0xFC); // 01 cld             lodsb walks forwards
    emit(code, 0x31, 0xC0); // 02 xor ax, ax
    emit(code, 0x8E, 0xD8); // 04 mov ds, ax      ds = 0, so si holds the linear address
    int message = 35; // the text follows the code, at offset 35 (0x23)
    int address = LOAD_ADDRESS + message;
    emit(code, 0xBE, address & 0xFF, address >>> 8); // 06 mov si, 0x7C23
    // next: (09)
    emit(code, 0xAC); // 09 lodsb            al = next character
    emit(code, 0x84, 0xC0); // 0A test al, al
    emit(code, 0x74, 0x12); // 0C jz done         (0x0E + 0x12 = 0x20) end of text
    emit(code, 0x88, 0xC3); // 0E mov bl, al      keep the character
    emit(code, 0xBA, 0xFD, 0x03); // 10 mov dx, 0x3FD   COM1 line status register
    // wait: (13)
    emit(code, 0xEC); // 13 in al, dx
    emit(code, 0xA8, 0x20); // 14 test al, 0x20   transmit holding register empty?
    emit(code, 0x74, 0xFB); // 16 jz wait         (0x18 - 5 = 0x13)
    emit(code, 0xBA, 0xF8, 0x03); // 18 mov dx, 0x3F8   COM1 data register
    emit(code, 0x88, 0xD8); // 1B mov al, bl
    emit(code, 0xEE); // 1D out dx, al        send the character
    emit(code, 0xEB, 0xE9); // 1E jmp next        (0x20 - 23 = 0x09)
    // done: (20)
    emit(code, 0xF4); // 20 hlt
    emit(code, 0xEB, 0xFD); // 21 jmp done        (0x23 - 3 = 0x20) in case of an NMI
    if (code.size() != message) {
      throw new IllegalStateException("The boot code is " + code.size() + " bytes, not " + message);
    }
    byte[] sector = new byte[SECTOR];
    System.arraycopy(code.toByteArray(), 0, sector, 0, message);
    System.arraycopy(text, 0, sector, message, text.length); // a zero byte follows: end of text
    sector[510] = 0x55; // the boot signature the BIOS checks
    sector[511] = (byte) 0xAA;
    return sector;
  }

  private static void emit(ByteArrayOutputStream code, int... bytes) {
    for (int b : bytes) {
      code.write(b);
    }
  }
}
