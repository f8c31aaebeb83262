package org.nftoffload.lab;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;

/**
 * Turns off a veth's transmit checksum and segmentation offloads (the legacy {@code SIOCETHTOOL} set commands, as
 * {@code ethtool -K IF tx off sg off tso off gso off} does), through FFM in the calling thread's namespace.
 *
 * <p>Why the lab needs it: a host's TCP stack hands a veth segments of up to 64 KiB with the checksum left for the
 * "hardware" to fill in. A real wire never carries those, and neither can the software switch's AF_PACKET ports:
 * the switch must see the MTU-sized frames with final checksums a NIC would have put on the wire.
 */
final class Offloads {

  private static final long SIOCETHTOOL = 0x8946;
  private static final int ETHTOOL_STXCSUM = 0x17, ETHTOOL_SSG = 0x19, ETHTOOL_STSO = 0x1f, ETHTOOL_SGSO = 0x24;
  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO_HANDLE = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
      ERRNO, Linker.Option.firstVariadicArg(2));

  private Offloads() {}

  /** Disables tx checksumming, scatter-gather, TSO and GSO on {@code ifname} (in the calling thread's namespace). */
  static void disable(String ifname) throws ErrnoException {
    int sock = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
    try (Arena arena = Arena.ofConfined()) {
      for (int cmd : new int[] {ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SSG, ETHTOOL_STXCSUM}) {
        MemorySegment value = arena.allocate(8); // struct ethtool_value { u32 cmd; u32 data; }
        value.set(ValueLayout.JAVA_INT, 0, cmd);
        value.set(ValueLayout.JAVA_INT, 4, 0);
        MemorySegment ifr = arena.allocate(40); // struct ifreq: name[16], then ifr_data
        byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(name, 0, ifr, ValueLayout.JAVA_BYTE, 0, name.length);
        ifr.set(ValueLayout.ADDRESS, 16, value);
        MemorySegment st = arena.allocate(CAPTURE);
        int rc;
        try {
          rc = (int) IOCTL.invokeExact(st, sock, SIOCETHTOOL, ifr);
        } catch (Throwable t) {
          throw new AssertionError(t);
        }
        if (rc < 0) {
          throw new ErrnoException("ioctl(SIOCETHTOOL 0x" + Integer.toHexString(cmd) + ", \"" + ifname + "\")",
              (int) ERRNO_HANDLE.get(st, 0L));
        }
      }
    } finally {
      Libc.close(sock);
    }
  }
}
