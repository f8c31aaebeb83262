package org.nftoffload.linux.conntrack;

import org.nftoffload.linux.Libc;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkMessage;
import org.nftoffload.linux.netlink.NetlinkMessageBuilder;

import java.net.Inet4Address;
import java.nio.ByteBuffer;

/**
 * The ctnetlink wire format (linux/netfilter/nfnetlink_conntrack.h): decoding of conntrack messages
 * into {@link ConntrackEvent}s and encoding of the requests the agent makes. Pure: no I/O, so it is
 * tested on bytes. Every message starts with a 4-byte {@code nfgenmsg}; attribute values are in
 * network byte order.
 */
public final class Ctnetlink {
    /** nfnetlink subsystem id of conntrack. */
    public static final int NFNL_SUBSYS_CTNETLINK = 1;
    /** Message kinds inside the subsystem. */
    public static final int IPCTNL_MSG_CT_NEW = 0, IPCTNL_MSG_CT_GET = 1, IPCTNL_MSG_CT_DELETE = 2;
    /** Multicast groups (numbers for NETLINK_ADD_MEMBERSHIP). */
    public static final int NFNLGRP_CONNTRACK_NEW = 1, NFNLGRP_CONNTRACK_UPDATE = 2, NFNLGRP_CONNTRACK_DESTROY = 3;

    static final int CTA_TUPLE_ORIG = 1, CTA_TUPLE_REPLY = 2, CTA_STATUS = 3, CTA_PROTOINFO = 4,
            CTA_TIMEOUT = 7, CTA_MARK = 8, CTA_COUNTERS_ORIG = 9, CTA_COUNTERS_REPLY = 10, CTA_ID = 12,
            CTA_ZONE = 18, CTA_LABELS = 22, CTA_MAX = 26;
    static final int CTA_TUPLE_IP = 1, CTA_TUPLE_PROTO = 2, CTA_TUPLE_ZONE = 3, CTA_TUPLE_MAX = 3;
    static final int CTA_IP_V4_SRC = 1, CTA_IP_V4_DST = 2, CTA_IP_V6_SRC = 3, CTA_IP_V6_DST = 4, CTA_IP_MAX = 4;
    static final int CTA_PROTO_NUM = 1, CTA_PROTO_SRC_PORT = 2, CTA_PROTO_DST_PORT = 3, CTA_PROTO_ICMP_ID = 4,
            CTA_PROTO_ICMP_TYPE = 5, CTA_PROTO_ICMP_CODE = 6, CTA_PROTO_ICMPV6_ID = 7, CTA_PROTO_ICMPV6_TYPE = 8,
            CTA_PROTO_ICMPV6_CODE = 9, CTA_PROTO_MAX = 9;
    static final int CTA_PROTOINFO_TCP = 1, CTA_PROTOINFO_MAX = 1;
    static final int CTA_PROTOINFO_TCP_STATE = 1, CTA_PROTOINFO_TCP_MAX = 1;
    static final int CTA_COUNTERS_PACKETS = 1, CTA_COUNTERS_BYTES = 2, CTA_COUNTERS_PACKETS32 = 3,
            CTA_COUNTERS_BYTES32 = 4, CTA_COUNTERS_MAX = 4;

    private Ctnetlink() {
    }

    /** The netlink message type of conntrack message kind {@code msg}. */
    public static int messageType(int msg) {
        return NFNL_SUBSYS_CTNETLINK << 8 | msg;
    }

    /**
     * Decodes a conntrack message (event or dump reply). NEW messages that carry
     * {@code NLM_F_CREATE} are {@link ConntrackEvent.Type#NEW} events, other NEW messages are UPDATEs
     * (or {@link ConntrackEvent.Type#DUMP} when {@code dump} is true); DELETE messages are DESTROYs.
     * Readers of many messages keep one {@link CtnetlinkDecoder} instead.
     *
     * @throws IllegalArgumentException when the message is not a conntrack message or is malformed
     */
    public static ConntrackEvent decode(NetlinkMessage msg, boolean dump) {
        return new CtnetlinkDecoder().decode(msg, dump);
    }

    /** Decodes the entry of a conntrack message payload (nfgenmsg + attributes). */
    public static ConntrackEntry decodeEntry(ByteBuffer payload) {
        return new CtnetlinkDecoder().decodeEntry(payload, 0, payload.limit());
    }

    private static NetlinkMessageBuilder start(int msg, int flags, int family) {
        return new NetlinkMessageBuilder(messageType(msg), flags)
                .putU8(family).putU8(0 /* NFNETLINK_V0 */).putBe16(0);
    }

    /** A request that dumps every conntrack entry of every family. */
    public static ByteBuffer dumpRequest(int seq) {
        return start(IPCTNL_MSG_CT_GET, Netlink.NLM_F_DUMP, Libc.AF_UNSPEC).build(seq);
    }

    /**
     * A request that sets the timeout of the existing entry with original tuple {@code original} in
     * {@code zone} to {@code seconds}: an IPCTNL_MSG_CT_NEW without NLM_F_CREATE, which the kernel
     * treats as a change of the entry it finds (and answers ENOENT when there is none).
     */
    public static ByteBuffer timeoutUpdateRequest(int seq, ConntrackTuple original, int zone, int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("timeout must be >= 0, got " + seconds);
        }
        NetlinkMessageBuilder b = start(IPCTNL_MSG_CT_NEW, Netlink.NLM_F_ACK,
                original.isIpv4() ? Libc.AF_INET : Libc.AF_INET6);
        encodeTuple(b, CTA_TUPLE_ORIG, original);
        b.attrBe32(CTA_TIMEOUT, seconds);
        if (zone != 0) {
            b.attrBe16(CTA_ZONE, zone);
        }
        return b.build(seq);
    }

    /** A request that deletes the entry with original tuple {@code original} in {@code zone}. */
    public static ByteBuffer deleteRequest(int seq, ConntrackTuple original, int zone) {
        NetlinkMessageBuilder b = start(IPCTNL_MSG_CT_DELETE, Netlink.NLM_F_ACK,
                original.isIpv4() ? Libc.AF_INET : Libc.AF_INET6);
        encodeTuple(b, CTA_TUPLE_ORIG, original);
        if (zone != 0) {
            b.attrBe16(CTA_ZONE, zone);
        }
        return b.build(seq);
    }

    static void encodeTuple(NetlinkMessageBuilder b, int attr, ConntrackTuple t) {
        int tuple = b.beginNested(attr);
        int ip = b.beginNested(CTA_TUPLE_IP);
        b.attr(t.isIpv4() ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, t.source().getAddress());
        b.attr(t.isIpv4() ? CTA_IP_V4_DST : CTA_IP_V6_DST, t.destination().getAddress());
        b.endNested(ip);
        int proto = b.beginNested(CTA_TUPLE_PROTO);
        b.attrU8(CTA_PROTO_NUM, t.protocol());
        if (t.protocol() == ConntrackTuple.ICMP || t.protocol() == ConntrackTuple.ICMPV6) {
            boolean v6 = t.protocol() == ConntrackTuple.ICMPV6;
            b.attrBe16(v6 ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID, t.sourcePort());
            b.attrU8(v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE, t.destinationPort() >> 8);
            b.attrU8(v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE, t.destinationPort() & 0xff);
        } else {
            b.attrBe16(CTA_PROTO_SRC_PORT, t.sourcePort());
            b.attrBe16(CTA_PROTO_DST_PORT, t.destinationPort());
        }
        b.endNested(proto);
        b.endNested(tuple);
    }

    /** Whether {@code t} is IPv4 (helper for callers choosing a family). */
    static boolean isV4(ConntrackTuple t) {
        return t.source() instanceof Inet4Address;
    }
}
