package org.nftoffload.linux.tap;

import org.junit.jupiter.api.Test;
import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.TestNamespace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A TAP in a throw-away namespace: frames written to it reach the kernel, the kernel's answers come out of it. */
class TapKernelTest {
    private static final byte[] PEER_MAC = {0x02, 0, 0, 0, 0, 0x42};
    private static final byte[] PEER_IP = {(byte) 192, 0, 2, 2};
    private static final byte[] TAP_IP = {(byte) 192, 0, 2, 1};

    @Test
    void kernelAnswersAnArpRequestWrittenToTheTap() throws Exception {
        try (TestNamespace ns = TestNamespace.create("nfo-tap")) {
            Tap tap = ns.namespace().call(() -> Tap.create("rep7"));
            try {
                assertEquals(6, tap.mac().length);
                ns.exec(null, "ip", "addr", "add", "192.0.2.1/24", "dev", "rep7");
                tap.write(arpRequest());
                byte[] reply = awaitArpReply(tap);
                // Ethernet: to the asker, from the TAP's own MAC
                assertArrayEquals(PEER_MAC, Arrays.copyOfRange(reply, 0, 6));
                assertArrayEquals(tap.mac(), Arrays.copyOfRange(reply, 6, 12));
                // ARP: sender is the TAP's address, target the asker
                assertArrayEquals(TAP_IP, Arrays.copyOfRange(reply, 28, 32));
                assertArrayEquals(PEER_IP, Arrays.copyOfRange(reply, 38, 42));
            } finally {
                tap.close();
            }
            // the interface went away with its descriptor
            ErrnoException gone = assertThrows(ErrnoException.class,
                    () -> ns.namespace().call(() -> Libc.ifNameToIndex("rep7")));
            assertEquals(19, gone.errno()); // ENODEV
        }
    }

    @Test
    void secondTapWithTheSameNameIsRefused() throws Exception {
        try (TestNamespace ns = TestNamespace.create("nfo-tap")) {
            try (Tap first = ns.namespace().call(() -> Tap.create("rep1"))) {
                ErrnoException e = assertThrows(ErrnoException.class, () -> ns.namespace().call(() -> Tap.create("rep1")));
                assertEquals(16, e.errno()); // EBUSY
                assertTrue(first.fd() >= 0);
            }
        }
    }

    @Test
    void badNamesAreRefusedBeforeTheKernelIsAsked() {
        assertThrows(IllegalArgumentException.class, () -> Tap.create(""));
        assertThrows(IllegalArgumentException.class, () -> Tap.create("a-name-far-too-long"));
        assertThrows(IllegalArgumentException.class, () -> Tap.create("a/b"));
    }

    private static byte[] arpRequest() {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(PEER_MAC).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(PEER_MAC).put(PEER_IP).put(new byte[6]).put(TAP_IP);
        return b.array();
    }

    /** Reads frames until an ARP reply shows up (the kernel also sends IPv6 chatter on a new link). */
    private static byte[] awaitArpReply(Tap tap) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            while (System.nanoTime() < deadline) {
                if (!tap.awaitReadable(100)) {
                    continue;
                }
                int n = tap.read(buf);
                if (n < 42) {
                    continue;
                }
                byte[] frame = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                if (frame[12] == 0x08 && frame[13] == 0x06 && frame[20] == 0 && frame[21] == 2) {
                    return frame;
                }
            }
        }
        return fail("no ARP reply came out of the TAP within 5 s");
    }
}
