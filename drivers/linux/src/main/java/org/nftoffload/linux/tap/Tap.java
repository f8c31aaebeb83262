package org.nftoffload.linux.tap;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A TAP interface: an Ethernet device whose other end is this file descriptor. Frames the kernel
 * transmits on the interface are {@link #read} here; frames {@link #write}-n here arrive on the
 * interface as if received from a wire. The agent uses one per switch port as its representor.
 *
 * <p>Created through {@code /dev/net/tun} and {@code ioctl(TUNSETIFF, IFF_TAP | IFF_NO_PI)} (no
 * packet-information prefix: reads and writes are bare Ethernet frames). The interface lives in the
 * network namespace of the thread that calls {@link #create} (use {@code NetworkNamespace.call} for
 * another one) and disappears when the descriptor is closed. The descriptor is non-blocking: poll
 * {@link #fd()} (or {@link #awaitReadable}) before reading.
 */
public final class Tap implements AutoCloseable {
    private static final int O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    private static final long TUNSETIFF = 0x400454caL;
    private static final long SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFHWADDR = 0x8927;
    private static final short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000, IFF_UP = 0x1;
    private static final int IFNAMSIZ = 16, IFREQ_SIZE = 40;
    private static final int EAGAIN = 11, EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURED =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle OPEN = LINKER.downcallHandle(symbol("open"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    // ioctl(int, unsigned long, ...): the third argument is variadic
    private static final MethodHandle IOCTL = LINKER.downcallHandle(symbol("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = LINKER.downcallHandle(symbol("read"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    private static final MethodHandle WRITE = LINKER.downcallHandle(symbol("write"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);

    private final int fd;
    private final String name;
    private final byte[] mac;
    private volatile boolean closed;

    private Tap(int fd, String name, byte[] mac) {
        this.fd = fd;
        this.name = name;
        this.mac = mac;
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static int errno(MemorySegment st) {
        return (int) ERRNO_HANDLE.get(st, 0L);
    }

    /**
     * Creates TAP interface {@code name} in the calling thread's network namespace and sets it up
     * (IFF_UP). Fails with EBUSY when an interface of that name exists already.
     */
    public static Tap create(String name) throws ErrnoException {
        Objects.requireNonNull(name, "name");
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ || name.contains("/") || name.contains(" ")) {
            throw new IllegalArgumentException("interface name must be 1.." + (IFNAMSIZ - 1)
                    + " characters without '/' or blanks, got \"" + name + "\"");
        }
        MemorySegment st = CAPTURED.get();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            try {
                fd = (int) OPEN.invokeExact(st, arena.allocateFrom("/dev/net/tun"), O_RDWR | O_NONBLOCK | O_CLOEXEC);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (fd < 0) {
                throw new ErrnoException("open(\"/dev/net/tun\")", errno(st));
            }
            try {
                MemorySegment ifr = ifreq(arena, bytes);
                ifr.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI));
                ioctl(fd, TUNSETIFF, ifr, "ioctl(TUNSETIFF, \"" + name + "\")");
                byte[] mac;
                int sock = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
                try {
                    MemorySegment flags = ifreq(arena, bytes);
                    ioctl(sock, SIOCGIFFLAGS, flags, "ioctl(SIOCGIFFLAGS, \"" + name + "\")");
                    short f = flags.get(ValueLayout.JAVA_SHORT, IFNAMSIZ);
                    flags.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) (f | IFF_UP));
                    ioctl(sock, SIOCSIFFLAGS, flags, "ioctl(SIOCSIFFLAGS, \"" + name + "\", up)");
                    MemorySegment hw = ifreq(arena, bytes);
                    ioctl(sock, SIOCGIFHWADDR, hw, "ioctl(SIOCGIFHWADDR, \"" + name + "\")");
                    // struct sockaddr ifr_hwaddr: sa_family (2 bytes), then the address
                    mac = hw.asSlice(IFNAMSIZ + 2, 6).toArray(ValueLayout.JAVA_BYTE);
                } finally {
                    Libc.close(sock);
                }
                return new Tap(fd, name, mac);
            } catch (ErrnoException | RuntimeException e) {
                Libc.close(fd);
                throw e;
            }
        }
    }

    private static MemorySegment ifreq(Arena arena, byte[] name) {
        MemorySegment ifr = arena.allocate(IFREQ_SIZE);
        MemorySegment.copy(name, 0, ifr, ValueLayout.JAVA_BYTE, 0, name.length);
        return ifr;
    }

    private static void ioctl(int fd, long request, MemorySegment arg, String what) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        int rc;
        try {
            rc = (int) IOCTL.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) {
            throw new ErrnoException(what, errno(st));
        }
    }

    /** The interface name. */
    public String name() {
        return name;
    }

    /** The interface's MAC address when it was created (6 bytes). */
    public byte[] mac() {
        return mac.clone();
    }

    /** The descriptor, for polling several TAPs at once ({@link Libc#poll}). */
    public int fd() {
        return fd;
    }

    /** Waits up to {@code timeoutMillis} for a frame to read; true if there is one. */
    public boolean awaitReadable(int timeoutMillis) throws ErrnoException {
        return Libc.pollIn(fd, timeoutMillis);
    }

    /**
     * Reads one frame the kernel transmitted on the interface into {@code buf}; returns its length,
     * or -1 when there is none now. A frame longer than {@code buf} is cut to its size.
     */
    public int read(MemorySegment buf) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        while (true) {
            long n;
            try {
                n = (long) READ.invokeExact(st, fd, buf, buf.byteSize());
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (n >= 0) {
                return (int) n;
            }
            int err = errno(st);
            if (err == EINTR) {
                continue;
            }
            if (err == EAGAIN) {
                return -1;
            }
            throw new ErrnoException("read(tap \"" + name + "\")", err);
        }
    }

    /** Delivers {@code frame} (a whole Ethernet frame) to the kernel as if received on the interface. */
    public void write(byte[] frame) throws ErrnoException {
        MemorySegment st = CAPTURED.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, frame.length));
            MemorySegment.copy(frame, 0, buf, ValueLayout.JAVA_BYTE, 0, frame.length);
            while (true) {
                long n;
                try {
                    n = (long) WRITE.invokeExact(st, fd, buf, (long) frame.length);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
                if (n >= 0) {
                    return;
                }
                int err = errno(st);
                if (err != EINTR) {
                    throw new ErrnoException("write(tap \"" + name + "\", " + frame.length + " bytes)", err);
                }
            }
        }
    }

    /** Closes the descriptor, which removes the interface. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                Libc.close(fd);
            } catch (ErrnoException e) {
                // the descriptor is gone either way (close(2) never needs a retry)
            }
        }
    }

    @Override
    public String toString() {
        return "Tap[" + name + ", fd " + fd + "]";
    }
}
