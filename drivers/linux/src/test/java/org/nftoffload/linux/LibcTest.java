package org.nftoffload.linux;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Libc bindings against the real kernel: UDP on loopback, netlink port ids, errno reporting. */
class LibcTest {

    /** sockaddr_in for 127.0.0.1:port. */
    private static MemorySegment loopback(Arena arena, int port) {
        MemorySegment sa = arena.allocate(16, 4);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_INET);
        sa.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        sa.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4, 0x7f000001);
        return sa;
    }

    @Test
    void udpDatagramRoundTripsOverLoopback() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            int rx = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
            int tx = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            try {
                Libc.bind(rx, loopback(arena, 0));
                MemorySegment bound = arena.allocate(16, 4);
                Libc.getsockname(rx, bound);
                int port = Short.toUnsignedInt(bound.get(
                        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2));
                assertTrue(port > 0, "kernel chose a port");

                MemorySegment buf = arena.allocate(64);
                assertEquals(-1, Libc.recv(rx, buf, 0), "empty non-blocking socket reports -1, not an error");
                assertFalse(Libc.pollIn(rx, 0));

                MemorySegment payload = arena.allocateFrom("hello", StandardCharsets.US_ASCII);
                assertEquals(5, Libc.sendto(tx, payload, 5, 0, loopback(arena, port)));
                assertTrue(Libc.pollIn(rx, 2000), "datagram arrives");
                MemorySegment from = arena.allocate(16, 4);
                long n = Libc.recvfrom(rx, buf, 0, from);
                assertEquals(5, n);
                assertEquals("hello", new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                        StandardCharsets.US_ASCII));
                assertEquals(Libc.AF_INET, from.get(ValueLayout.JAVA_SHORT, 0));
            } finally {
                Libc.close(rx);
                Libc.close(tx);
            }
        }
    }

    @Test
    void socketOptionsAreSetAndRead() throws Exception {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM, 0);
        try {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, 65536);
            // the kernel doubles the value to account for bookkeeping
            assertEquals(131072, Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void netlinkSocketGetsAPortId() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */);
            try {
                Libc.bind(fd, Libc.sockaddrNl(arena, 0, 0));
                MemorySegment sa = arena.allocate(12, 4);
                Libc.getsockname(fd, sa);
                assertEquals(Libc.AF_NETLINK, sa.get(ValueLayout.JAVA_SHORT, 0));
                assertTrue(sa.get(ValueLayout.JAVA_INT, 4) != 0, "kernel assigned a port id");
            } finally {
                Libc.close(fd);
            }
        }
    }

    @Test
    void loopbackHasAnIndex() throws Exception {
        assertTrue(Libc.ifNameToIndex("lo") > 0);
    }

    @Test
    void failuresNameTheCallAndTheError() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.ifNameToIndex("no-such-if0"));
        assertEquals(19 /* ENODEV */, e.errno());
        assertTrue(e.getMessage().startsWith("if_nametoindex(\"no-such-if0\") failed: No such device"),
                e.getMessage());

        ErrnoException closed = assertThrows(ErrnoException.class, () -> Libc.close(Integer.MAX_VALUE - 1));
        assertEquals(9 /* EBADF */, closed.errno());
        assertTrue(closed.getMessage().contains("Bad file descriptor"), closed.getMessage());

        ErrnoException family = assertThrows(ErrnoException.class, () -> Libc.socket(12345, Libc.SOCK_RAW, 0));
        assertTrue(family.getMessage().startsWith("socket(12345, 3, 0) failed"), family.getMessage());
    }

    @Test
    void htonsSwapsToNetworkOrder() {
        int n = Libc.htons(0x0003);
        MemorySegment seg = MemorySegment.ofArray(new byte[2]);
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) n);
        assertEquals(0x00, seg.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x03, seg.get(ValueLayout.JAVA_BYTE, 1));
    }

    @Test
    void unknownNamespaceIsAClearError() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> NetworkNamespace.named("nftoffload-no-such-ns").call(() -> 1));
        assertTrue(e.getMessage().contains("/var/run/netns/nftoffload-no-such-ns"), e.getMessage());
    }
}
