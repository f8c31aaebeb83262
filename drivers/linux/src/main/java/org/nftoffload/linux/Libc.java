package org.nftoffload.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc socket calls the Linux drivers need (netlink, AF_PACKET), bound through the FFM API.
 *
 * <p>Every call captures {@code errno} right after the native call returns (so no JVM activity can
 * clobber it) and turns a failure into an {@link ErrnoException} naming the call and the error.
 * {@code EINTR} is retried. Non-blocking receives return {@code -1} on {@code EAGAIN} instead of
 * throwing, because that is the normal way to learn that a queue is empty. Buffers and socket
 * addresses are {@link MemorySegment}s the caller allocates; the {@code sockaddr*} helpers build the
 * addresses used here. The constants are the Linux values (the same on x86_64 and aarch64).
 */
public final class Libc {
    /** Address and protocol families. */
    public static final int AF_UNSPEC = 0, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
    /** Socket types and flags for {@link #socket}. */
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3,
            SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    /** Option levels. */
    public static final int SOL_SOCKET = 1, SOL_PACKET = 263, SOL_NETLINK = 270;
    /** SOL_SOCKET options. */
    public static final int SO_SNDBUF = 7, SO_RCVBUF = 8, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
    /** SOL_PACKET options. */
    public static final int PACKET_ADD_MEMBERSHIP = 1, PACKET_MR_PROMISC = 1, PACKET_AUXDATA = 8;
    /** SOL_NETLINK options. */
    public static final int NETLINK_ADD_MEMBERSHIP = 1, NETLINK_DROP_MEMBERSHIP = 2,
            NETLINK_BROADCAST_ERROR = 4, NETLINK_NO_ENOBUFS = 5, NETLINK_EXT_ACK = 11;
    /** EtherType for {@code AF_PACKET} sockets that see every protocol. */
    public static final int ETH_P_ALL = 0x0003;
    /** send/recv flags. */
    public static final int MSG_PEEK = 0x2, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40;
    /** poll events. */
    public static final short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10;
    /** errno values callers branch on. */
    public static final int EPERM = 1, ENOENT = 2, EINTR = 4, EAGAIN = 11, EBUSY = 16, EEXIST = 17,
            EINVAL = 22, ENOBUFS = 105;
    /** open(2) flags and setns(2) namespace type. */
    public static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;

    /** {@code struct pollfd}: int fd; short events; short revents. */
    public static final MemoryLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), ValueLayout.JAVA_SHORT.withName("events"),
            ValueLayout.JAVA_SHORT.withName("revents"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** One capture buffer per thread: calls on different threads never share errno. */
    private static final ThreadLocal<MemorySegment> CAPTURED =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle SOCKET = bind("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND = bind("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SENDTO =
            bind("sendto", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle RECVFROM =
            bind("recvfrom", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle RECVMSG = bind("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SETSOCKOPT =
            bind("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKOPT =
            bind("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETSOCKNAME = bind("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle CLOSE = bind("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle POLL = bind("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle IF_NAMETOINDEX = bind("if_nametoindex", JAVA_INT, ADDRESS);
    private static final MethodHandle OPEN = bind("open", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SETNS = bind("setns", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(4096, ValueLayout.JAVA_BYTE)),
                    JAVA_INT));

    private Libc() {
    }

    private static MethodHandle bind(String name, ValueLayout ret, ValueLayout... args) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(ret, args), ERRNO);
    }

    private static int errno(MemorySegment captured) {
        return (int) ERRNO_HANDLE.get(captured, 0L);
    }

    /** socket(2): a new descriptor; combine {@code type} with {@link #SOCK_NONBLOCK}/{@link #SOCK_CLOEXEC}. */
    public static int socket(int domain, int type, int protocol) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        try {
            int fd = (int) SOCKET.invokeExact(st, domain, type, protocol);
            if (fd < 0) {
                throw new ErrnoException("socket(" + domain + ", " + type + ", " + protocol + ")", errno(st));
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** bind(2) to {@code addr} (e.g. from {@link #sockaddrNl} or {@link #sockaddrLl}). */
    public static void bind(int fd, MemorySegment addr) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        int rc;
        try {
            rc = (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) {
            throw new ErrnoException("bind(fd " + fd + ")", errno(st));
        }
    }

    /**
     * sendto(2) of the first {@code length} bytes of {@code buf}; {@code addr} may be
     * {@link MemorySegment#NULL} for a connected or default destination. Returns the bytes sent, or -1
     * when a non-blocking send would block.
     */
    public static long sendto(int fd, MemorySegment buf, long length, int flags, MemorySegment addr)
            throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        int addrLen = addr.equals(MemorySegment.NULL) ? 0 : (int) addr.byteSize();
        while (true) {
            long n;
            try {
                n = (long) SENDTO.invokeExact(st, fd, buf, length, flags, addr, addrLen);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (n >= 0) {
                return n;
            }
            int err = errno(st);
            if (err == EINTR) {
                continue;
            }
            if (err == EAGAIN) {
                return -1;
            }
            throw new ErrnoException("sendto(fd " + fd + ", " + length + " bytes)", err);
        }
    }

    /** recv(2) into {@code buf}; returns the length, or -1 when a non-blocking receive finds nothing. */
    public static long recv(int fd, MemorySegment buf, int flags) throws ErrnoException {
        return recvfrom(fd, buf, flags, MemorySegment.NULL);
    }

    /**
     * recvfrom(2) into {@code buf}, writing the sender's address into {@code from} (which may be
     * {@link MemorySegment#NULL}). Returns the datagram's length (larger than {@code buf} when it was
     * truncated and {@link #MSG_TRUNC} was given), or -1 when a non-blocking receive finds nothing.
     */
    public static long recvfrom(int fd, MemorySegment buf, int flags, MemorySegment from) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        MemorySegment lenSeg = MemorySegment.NULL;
        Arena arena = null;
        if (!from.equals(MemorySegment.NULL)) {
            arena = Arena.ofConfined();
            lenSeg = arena.allocateFrom(JAVA_INT, (int) from.byteSize());
        }
        try {
            while (true) {
                long n;
                try {
                    n = (long) RECVFROM.invokeExact(st, fd, buf, buf.byteSize(), flags, from, lenSeg);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
                if (n >= 0) {
                    return n;
                }
                int err = errno(st);
                if (err == EINTR) {
                    continue;
                }
                if (err == EAGAIN) {
                    return -1;
                }
                throw new ErrnoException("recvfrom(fd " + fd + ")", err);
            }
        } finally {
            if (arena != null) {
                arena.close();
            }
        }
    }

    /**
     * recvmsg(2) with a caller-built {@code struct msghdr} (name, iovec and control buffers), e.g. to read
     * {@code PACKET_AUXDATA} control messages. Returns the length, or -1 when a non-blocking receive finds nothing.
     */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        while (true) {
            long n;
            try {
                n = (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (n >= 0) {
                return n;
            }
            int err = errno(st);
            if (err == EINTR) {
                continue;
            }
            if (err == EAGAIN) {
                return -1;
            }
            throw new ErrnoException("recvmsg(fd " + fd + ")", err);
        }
    }

    /** setsockopt(2) with an int value, the common case. */
    public static void setsockopt(int fd, int level, int name, int value) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            setsockopt(fd, level, name, arena.allocateFrom(JAVA_INT, value));
        }
    }

    /** setsockopt(2) with a structured value (e.g. {@code struct packet_mreq}). */
    public static void setsockopt(int fd, int level, int name, MemorySegment value) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        int rc;
        try {
            rc = (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) {
            throw new ErrnoException("setsockopt(fd " + fd + ", level " + level + ", option " + name + ")",
                    errno(st));
        }
    }

    /** getsockopt(2) of an int value. */
    public static int getsockopt(int fd, int level, int name) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocateFrom(JAVA_INT, 4);
            int rc;
            try {
                rc = (int) GETSOCKOPT.invokeExact(st, fd, level, name, value, len);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (rc < 0) {
                throw new ErrnoException("getsockopt(fd " + fd + ", level " + level + ", option " + name + ")",
                        errno(st));
            }
            return value.get(JAVA_INT, 0);
        }
    }

    /** getsockname(2) into {@code addr}; for a netlink socket this reveals the port id the kernel chose. */
    public static void getsockname(int fd, MemorySegment addr) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) addr.byteSize());
            int rc;
            try {
                rc = (int) GETSOCKNAME.invokeExact(st, fd, addr, len);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (rc < 0) {
                throw new ErrnoException("getsockname(fd " + fd + ")", errno(st));
            }
        }
    }

    /** close(2). A descriptor is closed even when close reports an error, so never retry. */
    public static void close(int fd) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        int rc;
        try {
            rc = (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0 && errno(st) != EINTR) {
            throw new ErrnoException("close(fd " + fd + ")", errno(st));
        }
    }

    /**
     * poll(2) over {@code count} {@link #POLLFD} entries in {@code fds}; returns how many have events
     * (0 on timeout; an interrupted poll also returns 0 so callers re-check their own state).
     */
    public static int poll(MemorySegment fds, int count, int timeoutMillis) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        int rc;
        try {
            rc = (int) POLL.invokeExact(st, fds, (long) count, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) {
            int err = errno(st);
            if (err == EINTR) {
                return 0;
            }
            throw new ErrnoException("poll(" + count + " fds)", err);
        }
        return rc;
    }

    /** Waits up to {@code timeoutMillis} for {@code fd} to become readable; true if it is. */
    public static boolean pollIn(int fd, int timeoutMillis) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(POLLFD);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            return poll(pfd, 1, timeoutMillis) > 0
                    && (pfd.get(ValueLayout.JAVA_SHORT, 6) & (POLLIN | POLLERR | POLLHUP)) != 0;
        }
    }

    /** if_nametoindex(3): the index of interface {@code name} in the calling thread's namespace. */
    public static int ifNameToIndex(String name) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        try (Arena arena = Arena.ofConfined()) {
            int index;
            try {
                index = (int) IF_NAMETOINDEX.invokeExact(st, arena.allocateFrom(name));
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (index == 0) {
                throw new ErrnoException("if_nametoindex(\"" + name + "\")", errno(st));
            }
            return index;
        }
    }

    /** open(2) of {@code path} read-only and close-on-exec (used for namespace files). */
    public static int openReadOnly(String path) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        try (Arena arena = Arena.ofConfined()) {
            int fd;
            try {
                fd = (int) OPEN.invokeExact(st, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (fd < 0) {
                throw new ErrnoException("open(\"" + path + "\")", errno(st));
            }
            return fd;
        }
    }

    /**
     * setns(2): moves the <em>calling thread</em> into the namespace {@code fd} refers to. Sockets
     * the thread creates afterwards belong to that namespace for their whole life.
     */
    public static void setns(int fd, int nstype) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        int rc;
        try {
            rc = (int) SETNS.invokeExact(st, fd, nstype);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) {
            throw new ErrnoException("setns(fd " + fd + ", " + nstype + ")", errno(st));
        }
    }

    /** strerror(3): the C library's text for an errno value. */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** {@code struct sockaddr_nl} for a netlink socket: port id 0 lets the kernel choose one. */
    public static MemorySegment sockaddrNl(Arena arena, int portId, int groups) {
        MemorySegment sa = arena.allocate(12, 4);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
        sa.set(JAVA_INT, 4, portId);
        sa.set(JAVA_INT, 8, groups);
        return sa;
    }

    /**
     * {@code struct sockaddr_ll} for an {@code AF_PACKET} socket bound to interface {@code ifindex}
     * and EtherType {@code protocol} (host order; e.g. {@link #ETH_P_ALL}).
     */
    public static MemorySegment sockaddrLl(Arena arena, int protocol, int ifindex) {
        MemorySegment sa = arena.allocate(20, 4);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
        sa.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) protocol);
        sa.set(JAVA_INT, 4, ifindex);
        return sa;
    }

    /** {@code struct packet_mreq} for {@link #PACKET_ADD_MEMBERSHIP} (e.g. {@link #PACKET_MR_PROMISC}). */
    public static MemorySegment packetMreq(Arena arena, int ifindex, int type) {
        MemorySegment mreq = arena.allocate(16, 4);
        mreq.set(JAVA_INT, 0, ifindex);
        mreq.set(ValueLayout.JAVA_SHORT, 4, (short) type);
        return mreq;
    }

    /** Host-order to network-order for 16 bits, as {@code socket(AF_PACKET, …, htons(proto))} needs. */
    public static int htons(int value) {
        short s = (short) value;
        return Short.toUnsignedInt(ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? s : Short.reverseBytes(s));
    }
}
