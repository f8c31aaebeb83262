package org.nftoffload.softswitch.port;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.NetworkNamespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A switch port on a Linux interface: an {@code AF_PACKET} raw socket bound to the interface (opened inside its
 * network namespace when one is named), in promiscuous mode, through the FFM bindings of {@code nftoffload-linux}.
 * A platform thread receives frames and hands them to the switch; frames the interface sends (our own included,
 * which packet sockets also see) are skipped. The kernel hands a received 802.1Q tag to packet sockets out of
 * band ({@code PACKET_AUXDATA}), so the port reads with {@code recvmsg(2)} and puts the tag back into the frame,
 * as the P4 parser must see it.
 */
public final class RawSocketPort implements Port {

  private static final Logger log = LoggerFactory.getLogger(RawSocketPort.class);
  private static final int PACKET_OUTGOING = 4;
  private static final int PACKET_AUXDATA = 8;
  private static final int TP_STATUS_VLAN_VALID = 0x10;
  private static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
  // struct msghdr (LP64): name @0, namelen @8, iov @16, iovlen @24, control @32, controllen @40, flags @48
  private static final int MSGHDR_SIZE = 56;
  private static final int CONTROL_SIZE = 128;
  private static final int MAX_FRAME = 65536;
  private static final int POLL_MILLIS = 100;

  private final int number;
  private final String iface;
  private final String namespace;
  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment sendBuffer = arena.allocate(MAX_FRAME);
  private final AtomicLong sendErrors = new AtomicLong();
  private volatile boolean closed;
  private Thread receiverThread;

  private RawSocketPort(int number, String iface, String namespace, int fd) {
    this.number = number;
    this.iface = iface;
    this.namespace = namespace;
    this.fd = fd;
  }

  /** Opens interface {@code iface} (in network namespace {@code namespace}, or the switch's if null). */
  public static RawSocketPort open(int number, String iface, String namespace) throws IOException {
    try {
      int fd = namespace == null ? openSocket(iface) : NetworkNamespace.named(namespace).call(() -> openSocket(iface));
      return new RawSocketPort(number, iface, namespace, fd);
    } catch (IOException e) {
      throw new IOException("port " + number + ": cannot open interface " + iface
          + (namespace == null ? "" : " in namespace " + namespace) + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw new IOException("port " + number + ": cannot open interface " + iface + ": " + e, e);
    }
  }

  private static int openSocket(String iface) throws ErrnoException {
    int ifindex = Libc.ifNameToIndex(iface);
    int protocol = Libc.htons(Libc.ETH_P_ALL);
    int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
    try (Arena a = Arena.ofConfined()) {
      Libc.bind(fd, Libc.sockaddrLl(a, Libc.ETH_P_ALL, ifindex));
      Libc.setsockopt(fd, Libc.SOL_PACKET, Libc.PACKET_ADD_MEMBERSHIP,
          Libc.packetMreq(a, ifindex, Libc.PACKET_MR_PROMISC));
      Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_AUXDATA, 1);
      return fd;
    } catch (ErrnoException e) {
      Libc.close(fd);
      throw e;
    }
  }

  @Override
  public int number() {
    return number;
  }

  @Override
  public String describe() {
    return namespace == null ? iface : namespace + "/" + iface;
  }

  @Override
  public synchronized void start(Receiver receiver) {
    if (receiverThread != null) {
      throw new IllegalStateException("port " + number + " already started");
    }
    receiverThread = Thread.ofPlatform().daemon().name("port-" + number + "-" + iface).start(() -> receive(receiver));
  }

  private void receive(Receiver receiver) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(MAX_FRAME);
      MemorySegment from = a.allocate(20, 8);
      MemorySegment iov = a.allocate(16, 8);
      iov.set(ValueLayout.ADDRESS, 0, buf);
      iov.set(ValueLayout.JAVA_LONG, 8, MAX_FRAME);
      MemorySegment control = a.allocate(CONTROL_SIZE, 8);
      MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
      while (!closed) {
        if (!Libc.pollIn(fd, POLL_MILLIS)) {
          continue;
        }
        msg.fill((byte) 0);
        msg.set(ValueLayout.ADDRESS, 0, from);
        msg.set(ValueLayout.JAVA_INT, 8, (int) from.byteSize());
        msg.set(ValueLayout.ADDRESS, 16, iov);
        msg.set(ValueLayout.JAVA_LONG, 24, 1);
        msg.set(ValueLayout.ADDRESS, 32, control);
        msg.set(ValueLayout.JAVA_LONG, 40, CONTROL_SIZE);
        long n = Libc.recvmsg(fd, msg, Libc.MSG_DONTWAIT);
        if (n <= 0 || (from.get(ValueLayout.JAVA_BYTE, 10) & 0xff) == PACKET_OUTGOING) {
          continue;
        }
        int length = (int) Math.min(n, MAX_FRAME);
        byte[] frame = withTag(buf.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE), control,
            msg.get(ValueLayout.JAVA_LONG, 40));
        try {
          receiver.receive(number, frame);
        } catch (RuntimeException e) {
          log.warn("port {}: frame processing failed", number, e);
        }
      }
    } catch (ErrnoException e) {
      if (!closed) {
        log.error("port {} ({}): receive failed, port stops receiving: {}", number, describe(), e.getMessage());
      }
    }
  }

  /** The frame with the 802.1Q tag the kernel reported in PACKET_AUXDATA put back after the MAC addresses. */
  static byte[] withTag(byte[] frame, MemorySegment control, long controlLength) {
    long off = 0;
    // struct cmsghdr (LP64): len @0 (8 bytes), level @8, type @12, data @16; entries 8-byte aligned
    while (off + 16 <= controlLength) {
      long len = control.get(ValueLayout.JAVA_LONG, off);
      if (len < 16 || off + len > controlLength) {
        break;
      }
      int level = control.get(ValueLayout.JAVA_INT, off + 8);
      int type = control.get(ValueLayout.JAVA_INT, off + 12);
      if (level == Libc.SOL_PACKET && type == PACKET_AUXDATA && len >= 16 + 20) {
        int status = control.get(ValueLayout.JAVA_INT, off + 16);
        int tci = Short.toUnsignedInt(control.get(ValueLayout.JAVA_SHORT, off + 16 + 16));
        int tpid = Short.toUnsignedInt(control.get(ValueLayout.JAVA_SHORT, off + 16 + 18));
        if ((status & TP_STATUS_VLAN_VALID) != 0 && frame.length >= 12) {
          return insertTag(frame, (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? tpid : 0x8100, tci);
        }
        return frame;
      }
      off += (len + 7) & ~7L;
    }
    return frame;
  }

  static byte[] insertTag(byte[] frame, int tpid, int tci) {
    byte[] tagged = new byte[frame.length + 4];
    System.arraycopy(frame, 0, tagged, 0, 12);
    tagged[12] = (byte) (tpid >>> 8);
    tagged[13] = (byte) tpid;
    tagged[14] = (byte) (tci >>> 8);
    tagged[15] = (byte) tci;
    System.arraycopy(frame, 12, tagged, 16, frame.length - 12);
    return tagged;
  }

  @Override
  public void send(byte[] frame) {
    if (closed || frame.length > MAX_FRAME) {
      sendErrors.incrementAndGet();
      return;
    }
    synchronized (sendBuffer) {
      MemorySegment.copy(frame, 0, sendBuffer, ValueLayout.JAVA_BYTE, 0, frame.length);
      try {
        if (Libc.sendto(fd, sendBuffer, frame.length, 0, MemorySegment.NULL) < 0) {
          sendErrors.incrementAndGet();
        }
      } catch (ErrnoException e) {
        // e.g. EMSGSIZE after a VLAN push, ENETDOWN: the frame is lost, as on a wire
        if (sendErrors.incrementAndGet() == 1) {
          log.warn("port {} ({}): send failed: {}", number, describe(), e.getMessage());
        }
      }
    }
  }

  /** Frames that could not be sent. */
  public long sendErrors() {
    return sendErrors.get();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    Thread t = receiverThread;
    if (t != null) {
      try {
        t.join(2 * POLL_MILLIS + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Libc.close(fd);
    } catch (ErrnoException e) {
      log.debug("port {}: close: {}", number, e.getMessage());
    }
    synchronized (sendBuffer) {
      arena.close();
    }
  }
}
