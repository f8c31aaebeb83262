package org.nftoffload.linux.conntrack;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkSocket;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Subscription to conntrack notifications (NEW, UPDATE, DESTROY groups) of one namespace. The
 * kernel drops notifications when the socket's queue is full and says so with ENOBUFS: that surfaces
 * here as {@link OverflowException} so the caller resynchronises from a dump instead of silently
 * missing flows. Not thread-safe: one thread polls.
 */
public final class ConntrackEvents implements AutoCloseable {
    private final NetlinkSocket socket;

    /** Thrown by {@link #poll} when the kernel dropped notifications. */
    public static final class OverflowException extends Exception {
        private static final long serialVersionUID = 1L;

        OverflowException() {
            super("conntrack notifications were dropped (socket receive queue overflow, ENOBUFS)");
        }
    }

    private ConntrackEvents(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * Opens a notification socket in the calling thread's namespace.
     *
     * @param receiveBufferBytes kernel queue size to ask for (bigger survives longer bursts)
     */
    public static ConntrackEvents open(int receiveBufferBytes) throws ErrnoException {
        NetlinkSocket socket = NetlinkSocket.open(Netlink.NETLINK_NETFILTER);
        try {
            socket.setReceiveBufferSize(receiveBufferBytes);
            socket.joinGroup(Ctnetlink.NFNLGRP_CONNTRACK_NEW);
            socket.joinGroup(Ctnetlink.NFNLGRP_CONNTRACK_UPDATE);
            socket.joinGroup(Ctnetlink.NFNLGRP_CONNTRACK_DESTROY);
            return new ConntrackEvents(socket);
        } catch (ErrnoException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for notifications and hands each decoded event to
     * {@code sink}; returns how many were delivered (0 on timeout).
     */
    public int poll(int timeoutMillis, Consumer<ConntrackEvent> sink) throws ErrnoException, OverflowException {
        ByteBuffer datagram;
        try {
            datagram = socket.receive(timeoutMillis);
        } catch (ErrnoException e) {
            if (e.errno() == Libc.ENOBUFS) {
                throw new OverflowException();
            }
            throw e;
        }
        if (datagram == null) {
            return 0;
        }
        int[] count = {0};
        Netlink.forEachMessage(datagram, msg -> {
            if (msg.type() >> 8 == Ctnetlink.NFNL_SUBSYS_CTNETLINK) {
                sink.accept(Ctnetlink.decode(msg, false));
                count[0]++;
            }
        });
        return count[0];
    }

    /** The descriptor to poll(2) for readability. */
    public int fd() {
        return socket.fd();
    }

    @Override
    public void close() {
        socket.close();
    }
}
