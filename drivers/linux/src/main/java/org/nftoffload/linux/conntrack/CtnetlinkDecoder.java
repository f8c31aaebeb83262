package org.nftoffload.linux.conntrack;

import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkAttributeCursor;
import org.nftoffload.linux.netlink.NetlinkMessage;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Decodes ctnetlink messages (linux/netfilter/nfnetlink_conntrack.h) straight from the receive buffer:
 * one pass over the attributes with reused cursors, no index arrays and no copies of the message, so
 * the event path allocates little more than the resulting records. Addresses are shared: a small
 * direct-mapped cache hands out the same {@link InetAddress} for the same bytes, which saves the
 * allocation and lets the tuples of one host's flows compare by identity in hash maps.
 *
 * <p>Not thread-safe: one decoder per reading thread. The shared addresses are created by
 * {@link InetAddress#getByAddress(byte[])} and never resolved to host names here.
 */
public final class CtnetlinkDecoder {
    private static final int NFGENMSG_LEN = 4;
    private static final int CACHE_BITS = 10;
    @SuppressWarnings("unchecked")
    private static final Optional<TcpState>[] TCP_STATES = new Optional[TcpState.values().length];
    private static final byte[] NO_LABELS = new byte[0];

    static {
        for (TcpState s : TcpState.values()) {
            TCP_STATES[s.ordinal()] = Optional.of(s);
        }
    }

    private final NetlinkAttributeCursor entry = new NetlinkAttributeCursor();
    private final NetlinkAttributeCursor inner = new NetlinkAttributeCursor();
    private final NetlinkAttributeCursor leaf = new NetlinkAttributeCursor();
    private final InetAddress[] v4 = new InetAddress[1 << CACHE_BITS];
    private final int[] v4Keys = new int[1 << CACHE_BITS];
    private final InetAddress[] v6 = new InetAddress[1 << CACHE_BITS];
    private final long[] v6Keys = new long[2 << CACHE_BITS];

    /** Decodes a conntrack message; see {@link Ctnetlink#decode}. */
    public ConntrackEvent decode(NetlinkMessage msg, boolean dump) {
        ByteBuffer p = msg.payload();
        return decode(p, msg.type(), msg.flags(), msg.portId(), 0, p.limit(), dump);
    }

    /**
     * Decodes the conntrack message with header fields {@code type}, {@code flags}, {@code portId} whose
     * payload is {@code buf} from {@code from} to {@code to}.
     */
    public ConntrackEvent decode(ByteBuffer buf, int type, int flags, int portId, int from, int to, boolean dump) {
        if (type >> 8 != Ctnetlink.NFNL_SUBSYS_CTNETLINK) {
            throw new IllegalArgumentException("not a ctnetlink message: type 0x" + Integer.toHexString(type));
        }
        ConntrackEvent.Type kind = switch (type & 0xff) {
            case Ctnetlink.IPCTNL_MSG_CT_NEW -> dump ? ConntrackEvent.Type.DUMP
                    : (flags & Netlink.NLM_F_CREATE) != 0 ? ConntrackEvent.Type.NEW : ConntrackEvent.Type.UPDATE;
            case Ctnetlink.IPCTNL_MSG_CT_DELETE -> ConntrackEvent.Type.DESTROY;
            default -> throw new IllegalArgumentException("unexpected ctnetlink message kind " + (type & 0xff));
        };
        return new ConntrackEvent(kind, decodeEntry(buf, from, to), portId);
    }

    /** Decodes the entry of a conntrack payload (nfgenmsg + attributes) in {@code buf} from {@code from} to {@code to}. */
    public ConntrackEntry decodeEntry(ByteBuffer buf, int from, int to) {
        if (to - from < NFGENMSG_LEN) {
            throw new IllegalArgumentException("ctnetlink payload shorter than nfgenmsg: " + (to - from) + " bytes");
        }
        ConntrackTuple original = null;
        ConntrackTuple reply = null;
        long id = 0;
        int status = 0;
        int mark = 0;
        byte[] labels = NO_LABELS;
        int zone = 0;
        long timeout = -1;
        Optional<TcpState> tcp = Optional.empty();
        ConntrackEntry.Counters originalCounters = ConntrackEntry.Counters.ZERO;
        ConntrackEntry.Counters replyCounters = ConntrackEntry.Counters.ZERO;
        NetlinkAttributeCursor a = entry.reset(buf, from + NFGENMSG_LEN, to);
        while (a.next()) {
            switch (a.type()) {
                case Ctnetlink.CTA_TUPLE_ORIG -> original = tuple(a);
                case Ctnetlink.CTA_TUPLE_REPLY -> reply = tuple(a);
                case Ctnetlink.CTA_STATUS -> status = a.be32();
                case Ctnetlink.CTA_MARK -> mark = a.be32();
                case Ctnetlink.CTA_ID -> id = Integer.toUnsignedLong(a.be32());
                case Ctnetlink.CTA_ZONE -> zone = a.be16();
                case Ctnetlink.CTA_TIMEOUT -> timeout = Integer.toUnsignedLong(a.be32());
                case Ctnetlink.CTA_LABELS -> labels = a.bytes();
                case Ctnetlink.CTA_PROTOINFO -> tcp = tcpState(a);
                case Ctnetlink.CTA_COUNTERS_ORIG -> originalCounters = counters(a);
                case Ctnetlink.CTA_COUNTERS_REPLY -> replyCounters = counters(a);
                default -> {
                    // not needed, or from a newer kernel
                }
            }
        }
        if (original == null || reply == null) {
            throw new IllegalArgumentException("conntrack message without both tuples");
        }
        return new ConntrackEntry(id, original, reply, status, mark, labels, zone, timeout, tcp,
                originalCounters, replyCounters);
    }

    private Optional<TcpState> tcpState(NetlinkAttributeCursor a) {
        Optional<TcpState> state = Optional.empty();
        NetlinkAttributeCursor pi = a.nested(inner);
        while (pi.next()) {
            if (pi.type() == Ctnetlink.CTA_PROTOINFO_TCP) {
                NetlinkAttributeCursor t = pi.nested(leaf);
                while (t.next()) {
                    if (t.type() == Ctnetlink.CTA_PROTOINFO_TCP_STATE) {
                        state = TCP_STATES[TcpState.of(t.u8()).ordinal()];
                    }
                }
            }
        }
        return state;
    }

    private ConntrackEntry.Counters counters(NetlinkAttributeCursor a) {
        long packets = -1;
        long bytes = -1;
        long packets32 = 0;
        long bytes32 = 0;
        NetlinkAttributeCursor c = a.nested(inner);
        while (c.next()) {
            switch (c.type()) {
                case Ctnetlink.CTA_COUNTERS_PACKETS -> packets = c.be64();
                case Ctnetlink.CTA_COUNTERS_BYTES -> bytes = c.be64();
                case Ctnetlink.CTA_COUNTERS_PACKETS32 -> packets32 = Integer.toUnsignedLong(c.be32());
                case Ctnetlink.CTA_COUNTERS_BYTES32 -> bytes32 = Integer.toUnsignedLong(c.be32());
                default -> {
                }
            }
        }
        long p = packets >= 0 ? packets : packets32;
        long b = bytes >= 0 ? bytes : bytes32;
        return p == 0 && b == 0 ? ConntrackEntry.Counters.ZERO : new ConntrackEntry.Counters(p, b);
    }

    private ConntrackTuple tuple(NetlinkAttributeCursor a) {
        NetlinkAttributeCursor t = a.nested(inner);
        InetAddress v4Source = null;
        InetAddress v4Destination = null;
        InetAddress v6Source = null;
        InetAddress v6Destination = null;
        boolean ip = false;
        boolean proto = false;
        int protocol = -1;
        int sport = 0;
        int dport = -1;
        boolean ports = false;
        int icmpId = -1;
        int icmpType = -1;
        int icmpCode = -1;
        int icmp6Id = -1;
        int icmp6Type = -1;
        int icmp6Code = -1;
        while (t.next()) {
            if (t.type() == Ctnetlink.CTA_TUPLE_IP) {
                ip = true;
                NetlinkAttributeCursor l = t.nested(leaf);
                while (l.next()) {
                    switch (l.type()) {
                        case Ctnetlink.CTA_IP_V4_SRC -> v4Source = address(l);
                        case Ctnetlink.CTA_IP_V4_DST -> v4Destination = address(l);
                        case Ctnetlink.CTA_IP_V6_SRC -> v6Source = address(l);
                        case Ctnetlink.CTA_IP_V6_DST -> v6Destination = address(l);
                        default -> {
                        }
                    }
                }
            } else if (t.type() == Ctnetlink.CTA_TUPLE_PROTO) {
                proto = true;
                NetlinkAttributeCursor l = t.nested(leaf);
                while (l.next()) {
                    switch (l.type()) {
                        case Ctnetlink.CTA_PROTO_NUM -> protocol = l.u8();
                        case Ctnetlink.CTA_PROTO_SRC_PORT -> {
                            sport = l.be16();
                            ports = true;
                        }
                        case Ctnetlink.CTA_PROTO_DST_PORT -> dport = l.be16();
                        case Ctnetlink.CTA_PROTO_ICMP_ID -> icmpId = l.be16();
                        case Ctnetlink.CTA_PROTO_ICMP_TYPE -> icmpType = l.u8();
                        case Ctnetlink.CTA_PROTO_ICMP_CODE -> icmpCode = l.u8();
                        case Ctnetlink.CTA_PROTO_ICMPV6_ID -> icmp6Id = l.be16();
                        case Ctnetlink.CTA_PROTO_ICMPV6_TYPE -> icmp6Type = l.u8();
                        case Ctnetlink.CTA_PROTO_ICMPV6_CODE -> icmp6Code = l.u8();
                        default -> {
                        }
                    }
                }
            }
        }
        if (!ip || !proto) {
            throw new IllegalArgumentException("conntrack tuple without IP or protocol part");
        }
        require(protocol, Ctnetlink.CTA_PROTO_NUM);
        if (ports) {
            dport = require(dport, Ctnetlink.CTA_PROTO_DST_PORT);
        } else if (icmpId >= 0) {
            sport = icmpId;
            dport = require(icmpType, Ctnetlink.CTA_PROTO_ICMP_TYPE) << 8 | require(icmpCode, Ctnetlink.CTA_PROTO_ICMP_CODE);
        } else if (icmp6Id >= 0) {
            sport = icmp6Id;
            dport = require(icmp6Type, Ctnetlink.CTA_PROTO_ICMPV6_TYPE) << 8
                    | require(icmp6Code, Ctnetlink.CTA_PROTO_ICMPV6_CODE);
        } else {
            dport = 0;
        }
        boolean isV4 = v4Source != null;
        InetAddress source = isV4 ? v4Source : v6Source;
        InetAddress destination = isV4 ? v4Destination : v6Destination;
        if (source == null) {
            throw new IllegalArgumentException("netlink attribute " + Ctnetlink.CTA_IP_V6_SRC + " is missing");
        }
        if (destination == null) {
            throw new IllegalArgumentException("netlink attribute "
                    + (isV4 ? Ctnetlink.CTA_IP_V4_DST : Ctnetlink.CTA_IP_V6_DST) + " is missing");
        }
        return new ConntrackTuple(source, destination, protocol, sport, dport);
    }

    private static int require(int value, int type) {
        if (value < 0) {
            throw new IllegalArgumentException("netlink attribute " + type + " is missing");
        }
        return value;
    }

    private InetAddress address(NetlinkAttributeCursor l) {
        ByteBuffer b = l.buffer();
        int off = l.offset();
        if (l.length() == 4) {
            int key = b.getInt(off);
            int slot = (key * 0x9E3779B9) >>> (32 - CACHE_BITS);
            InetAddress cached = v4[slot];
            if (cached == null || v4Keys[slot] != key) {
                cached = create(l);
                v4[slot] = cached;
                v4Keys[slot] = key;
            }
            return cached;
        }
        if (l.length() == 16) {
            long hi = b.getLong(off);
            long lo = b.getLong(off + 8);
            int slot = (int) ((hi * 31 + lo) * 0x9E3779B97F4A7C15L >>> (64 - CACHE_BITS));
            InetAddress cached = v6[slot];
            if (cached == null || v6Keys[2 * slot] != hi || v6Keys[2 * slot + 1] != lo) {
                cached = create(l);
                v6[slot] = cached;
                v6Keys[2 * slot] = hi;
                v6Keys[2 * slot + 1] = lo;
            }
            return cached;
        }
        throw new IllegalArgumentException("netlink attribute " + l.type() + " is not an IP address ("
                + l.length() + " bytes)");
    }

    private static InetAddress create(NetlinkAttributeCursor l) {
        try {
            return InetAddress.getByAddress(l.bytes());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
