package org.nftoffload.linux.conntrack;

import org.nftoffload.linux.ErrnoException;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkSocket;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Subscription to conntrack notifications (NEW, UPDATE, DESTROY groups) of one namespace. The
 * kernel drops notifications when the socket's queue is full and says so with ENOBUFS: that surfaces
 * here as {@link OverflowException} so the caller resynchronises from a dump instead of silently
 * missing flows. Not thread-safe: one thread polls.
 */
public final class ConntrackEvents implements AutoCloseable {
    private final NetlinkSocket socket;
    private final CtnetlinkDecoder decoder = new CtnetlinkDecoder();

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
        // walk the datagram in place: no per-message buffer views, the decoder reads the receive buffer
        ByteBuffer buf = datagram.order() == ByteOrder.nativeOrder() ? datagram : datagram.duplicate().order(ByteOrder.nativeOrder());
        int offset = buf.position();
        int end = buf.limit();
        int count = 0;
        while (end - offset >= Netlink.NLMSG_HDRLEN) {
            int length = buf.getInt(offset);
            if (length < Netlink.NLMSG_HDRLEN || length > end - offset) {
                throw new IllegalArgumentException("netlink message at offset " + offset + " has length " + length
                        + " but " + (end - offset) + " bytes remain");
            }
            int type = Short.toUnsignedInt(buf.getShort(offset + 4));
            if (type >> 8 == Ctnetlink.NFNL_SUBSYS_CTNETLINK) {
                int flags = Short.toUnsignedInt(buf.getShort(offset + 6));
                int portId = buf.getInt(offset + 12);
                sink.accept(decoder.decode(buf, type, flags, portId, offset + Netlink.NLMSG_HDRLEN, offset + length, false));
                count++;
            }
            offset += Netlink.align(length);
        }
        return count;
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
