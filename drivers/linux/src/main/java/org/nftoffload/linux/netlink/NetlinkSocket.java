package org.nftoffload.linux.netlink;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A netlink socket of one protocol, bound to a kernel-chosen port id, with its own native receive
 * buffer. Use one socket for request/response ({@link #request}) and a separate one for multicast
 * notifications ({@link #joinGroup} + {@link #receive}) so replies and events never interleave.
 *
 * <p>Not thread-safe: one thread sends and receives on a socket. The namespace a socket lives in is
 * the one of the thread that opened it (see {@link org.nftoffload.linux.NetworkNamespace}).
 */
public final class NetlinkSocket implements AutoCloseable {
    /** Large enough for any single datagram the kernel sends (it caps dumps at ~32 KiB per skb). */
    private static final int RECEIVE_BUFFER = 1 << 20;
    private final int fd;
    private final int protocol;
    private final int portId;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rxSegment;
    private final ByteBuffer rx;
    private MemorySegment txSegment;
    private final AtomicInteger seq = new AtomicInteger((int) (System.nanoTime() & 0x3fffffff));
    private volatile boolean closed;

    private NetlinkSocket(int fd, int protocol) throws ErrnoException {
        this.fd = fd;
        this.protocol = protocol;
        Libc.bind(fd, Libc.sockaddrNl(arena, 0, 0));
        MemorySegment sa = arena.allocate(12, 4);
        Libc.getsockname(fd, sa);
        this.portId = sa.get(ValueLayout.JAVA_INT, 4);
        this.rxSegment = arena.allocate(RECEIVE_BUFFER, 8);
        this.rx = rxSegment.asByteBuffer().order(ByteOrder.nativeOrder());
        this.txSegment = arena.allocate(4096, 8);
    }

    /** Opens and binds a blocking netlink socket of {@code protocol} (e.g. {@link Netlink#NETLINK_NETFILTER}). */
    public static NetlinkSocket open(int protocol) throws ErrnoException {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        try {
            NetlinkSocket socket = new NetlinkSocket(fd, protocol);
            // extended acks give error messages with the failing attribute; best effort on old kernels
            try {
                Libc.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, 1);
            } catch (ErrnoException ignored) {
                // not supported: plain errno replies still work
            }
            return socket;
        } catch (ErrnoException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** The port id the kernel assigned. */
    public int portId() {
        return portId;
    }

    /** The netlink protocol of this socket. */
    public int protocol() {
        return protocol;
    }

    /** A fresh sequence number for a request. */
    public int nextSeq() {
        return seq.incrementAndGet();
    }

    /** Subscribes to multicast group {@code group} (the group number, not a bit mask). */
    public void joinGroup(int group) throws ErrnoException {
        Libc.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_ADD_MEMBERSHIP, group);
    }

    /**
     * Sets the kernel receive queue size; tries {@code SO_RCVBUFFORCE} (root may exceed
     * {@code rmem_max}) and falls back to {@code SO_RCVBUF}. Returns the size the kernel granted.
     */
    public int setReceiveBufferSize(int bytes) throws ErrnoException {
        try {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, bytes);
        } catch (ErrnoException e) {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, bytes);
        }
        return Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF);
    }

    /** Sends one built message (see {@link NetlinkMessageBuilder#build}) to the kernel. */
    public void send(ByteBuffer message) throws ErrnoException {
        int length = message.remaining();
        if (txSegment.byteSize() < length) {
            txSegment = arena.allocate(Math.max(length, txSegment.byteSize() * 2), 8);
        }
        MemorySegment.copy(MemorySegment.ofBuffer(message), 0, txSegment, 0, length);
        try (Arena a = Arena.ofConfined()) {
            long sent = Libc.sendto(fd, txSegment, length, 0, Libc.sockaddrNl(a, 0, 0));
            if (sent != length) {
                throw new ErrnoException("sendto(netlink, " + length + " bytes) sent " + sent, Libc.EAGAIN);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (negative: forever) for one datagram and returns it (position 0,
     * limit its length), or {@code null} on timeout. The buffer is reused by the next receive.
     *
     * @throws ErrnoException with {@link Libc#ENOBUFS} when the kernel dropped notifications because
     *                        the queue was full: the caller must resynchronise
     */
    public ByteBuffer receive(int timeoutMillis) throws ErrnoException {
        // timeout 0: one non-blocking recv instead of poll + recv (the event path reads one datagram per event)
        if (timeoutMillis > 0 && !Libc.pollIn(fd, timeoutMillis)) {
            return null;
        }
        long n = Libc.recv(fd, rxSegment, timeoutMillis >= 0 ? Libc.MSG_DONTWAIT : 0);
        if (n < 0) {
            return null;
        }
        rx.clear().limit((int) Math.min(n, RECEIVE_BUFFER));
        return rx;
    }

    /**
     * Sends {@code request} and hands every reply message to {@code handler} until the dump ends
     * ({@link Netlink#NLMSG_DONE}) or the kernel acknowledges. Replies to other sequence numbers are
     * ignored. Build the request with {@link Netlink#NLM_F_ACK} (for changes) or
     * {@link Netlink#NLM_F_DUMP}, and with the sequence number given as {@code seq}.
     *
     * @throws ErrnoException when the kernel answers with an error (the errno it gave)
     */
    public void request(ByteBuffer request, int seq, Consumer<NetlinkMessage> handler) throws ErrnoException {
        send(request);
        int type = Short.toUnsignedInt(request.duplicate().order(ByteOrder.nativeOrder()).getShort(4));
        boolean[] done = {false};
        int[] error = {0};
        while (!done[0]) {
            ByteBuffer datagram = receive(10_000);
            if (datagram == null) {
                throw new ErrnoException("netlink request type " + type + " (no answer in 10 s)", Libc.EAGAIN);
            }
            Netlink.forEachMessage(datagram, msg -> {
                if (msg.seq() != seq || done[0]) {
                    return;
                }
                switch (msg.type()) {
                    case Netlink.NLMSG_DONE -> done[0] = true;
                    case Netlink.NLMSG_ERROR -> {
                        error[0] = -msg.payload().getInt(0);
                        done[0] = true;
                    }
                    case Netlink.NLMSG_NOOP, Netlink.NLMSG_OVERRUN -> {
                    }
                    default -> {
                        handler.accept(msg);
                        if ((msg.flags() & Netlink.NLM_F_MULTI) == 0) {
                            // a single reply without NLM_F_MULTI ends a non-dump request
                            done[0] = (request.duplicate().order(ByteOrder.nativeOrder()).getShort(6)
                                    & Netlink.NLM_F_ACK) == 0;
                        }
                    }
                }
            });
        }
        if (error[0] != 0) {
            throw new ErrnoException("netlink request type " + type, error[0]);
        }
    }

    /** The underlying descriptor, for poll(2) over several sockets. */
    public int fd() {
        return fd;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.close(fd);
        } catch (ErrnoException ignored) {
            // nothing useful to do: the descriptor is gone either way
        }
        arena.close();
    }
}
