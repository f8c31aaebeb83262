package org.nftoffload.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Netlink framing constants (linux/netlink.h) and the splitting of a received datagram into
 * {@link NetlinkMessage}s. Messages and attributes are 4-byte aligned; headers are in host byte order.
 */
public final class Netlink {
    /** Netlink protocols (the third argument of socket(2)). */
    public static final int NETLINK_ROUTE = 0, NETLINK_NETFILTER = 12;
    /** Control message types. */
    public static final int NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
    /** nlmsg_flags: common. */
    public static final int NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_ECHO = 0x8,
            NLM_F_DUMP_INTR = 0x10;
    /** nlmsg_flags: GET requests. */
    public static final int NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_DUMP = 0x300;
    /** nlmsg_flags: NEW requests. */
    public static final int NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400,
            NLM_F_APPEND = 0x800;
    /** Attribute type flags. */
    public static final int NLA_F_NESTED = 0x8000, NLA_F_NET_BYTEORDER = 0x4000, NLA_TYPE_MASK = 0x3fff;
    /** Size of struct nlmsghdr. */
    public static final int NLMSG_HDRLEN = 16;

    private Netlink() {
    }

    /** Rounds up to the 4-byte netlink alignment. */
    public static int align(int length) {
        return (length + 3) & ~3;
    }

    /**
     * Calls {@code handler} for each message in {@code datagram} between position and limit.
     *
     * @throws IllegalArgumentException when a header's length is impossible (truncated or corrupt data)
     */
    public static void forEachMessage(ByteBuffer datagram, Consumer<NetlinkMessage> handler) {
        ByteBuffer buf = datagram.duplicate().order(ByteOrder.nativeOrder());
        int offset = buf.position();
        int end = buf.limit();
        while (end - offset >= NLMSG_HDRLEN) {
            int length = buf.getInt(offset);
            if (length < NLMSG_HDRLEN || length > end - offset) {
                throw new IllegalArgumentException("netlink message at offset " + offset + " has length " + length
                        + " but " + (end - offset) + " bytes remain");
            }
            int type = Short.toUnsignedInt(buf.getShort(offset + 4));
            int flags = Short.toUnsignedInt(buf.getShort(offset + 6));
            int seq = buf.getInt(offset + 8);
            int pid = buf.getInt(offset + 12);
            ByteBuffer payload = buf.slice(offset + NLMSG_HDRLEN, length - NLMSG_HDRLEN).order(ByteOrder.nativeOrder());
            handler.accept(new NetlinkMessage(type, flags, seq, pid, payload));
            offset += align(length);
        }
    }
}
