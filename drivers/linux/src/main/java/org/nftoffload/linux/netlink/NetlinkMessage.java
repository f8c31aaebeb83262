package org.nftoffload.linux.netlink;

import java.nio.ByteBuffer;

/**
 * One netlink message as received: the {@code nlmsghdr} fields and a view of its payload (the bytes
 * after the 16-byte header, native byte order, position 0). The payload shares memory with the
 * socket's receive buffer, so it is valid only until the next receive on that socket.
 *
 * @param type    nlmsg_type (e.g. {@link Netlink#NLMSG_DONE} or a protocol's message type)
 * @param flags   nlmsg_flags
 * @param seq     nlmsg_seq
 * @param portId  nlmsg_pid (0 for kernel notifications)
 * @param payload the payload bytes
 */
public record NetlinkMessage(int type, int flags, int seq, int portId, ByteBuffer payload) {
    public NetlinkMessage {
        if (type < 0 || type > 0xffff) {
            throw new IllegalArgumentException("nlmsg_type out of range: " + type);
        }
        java.util.Objects.requireNonNull(payload, "payload");
    }
}
