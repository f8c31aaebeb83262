package org.nftoffload.linux.conntrack;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkSocket;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * ctnetlink client of one network namespace: dumps the table, changes an entry's timeout, deletes
 * an entry. Uses its own request socket; notifications come from {@link ConntrackEvents}. Open it on
 * a thread inside the namespace to watch (see {@link org.nftoffload.linux.NetworkNamespace}).
 * Not thread-safe: callers serialise requests (one thread, or a lock).
 */
public final class Conntrack implements AutoCloseable {
    private final NetlinkSocket socket;
    private final CtnetlinkDecoder decoder = new CtnetlinkDecoder();

    private Conntrack(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a NETLINK_NETFILTER request socket in the calling thread's namespace. */
    public static Conntrack open() throws ErrnoException {
        return new Conntrack(NetlinkSocket.open(Netlink.NETLINK_NETFILTER));
    }

    /** Lists every conntrack entry, as {@link ConntrackEvent.Type#DUMP} events. */
    public synchronized void dump(Consumer<ConntrackEvent> sink) throws ErrnoException {
        int seq = socket.nextSeq();
        socket.request(Ctnetlink.dumpRequest(seq), seq, msg -> sink.accept(decoder.decode(msg, true)));
    }

    /**
     * Sets the remaining timeout of the entry whose original tuple is {@code original} to
     * {@code seconds}.
     *
     * @return false when the entry no longer exists (ENOENT), true when it was updated
     */
    public synchronized boolean setTimeout(ConntrackTuple original, int zone, int seconds) throws ErrnoException {
        int seq = socket.nextSeq();
        ByteBuffer req = Ctnetlink.timeoutUpdateRequest(seq, original, zone, seconds);
        try {
            socket.request(req, seq, msg -> { });
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Libc.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** Deletes the entry whose original tuple is {@code original}; false when there was none. */
    public synchronized boolean delete(ConntrackTuple original, int zone) throws ErrnoException {
        int seq = socket.nextSeq();
        try {
            socket.request(Ctnetlink.deleteRequest(seq, original, zone), seq, msg -> { });
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Libc.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
