package org.nftoffload.linux.route;

import org.nftoffload.linux.Libc;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkAttributes;
import org.nftoffload.linux.netlink.NetlinkMessage;
import org.nftoffload.linux.netlink.NetlinkMessageBuilder;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The rtnetlink wire format (linux/rtnetlink.h, if_link.h, neighbour.h) for links, neighbours and
 * routes: decoders and request encoders. Pure, tested on bytes. Integer attributes are host order.
 */
public final class RtnetlinkCodec {
    /** Message types. */
    public static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18,
            RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26,
            RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;
    /** Multicast groups (numbers for NETLINK_ADD_MEMBERSHIP). */
    public static final int RTNLGRP_LINK = 1, RTNLGRP_NEIGH = 3, RTNLGRP_IPV4_ROUTE = 7, RTNLGRP_IPV6_ROUTE = 11;

    static final int IFINFOMSG_LEN = 16, RTMSG_LEN = 12, NDMSG_LEN = 12;
    static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_LINK = 5, IFLA_LINKINFO = 18, IFLA_MAX = 64;
    static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_MAX = 5;
    static final int IFLA_VLAN_ID = 1, IFLA_VLAN_MAX = 5;
    static final int IFF_UP = 0x1;
    static final int RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PREFSRC = 7, RTA_MAX = 32;
    static final int RTN_LOCAL = 2;
    static final int NDA_DST = 1, NDA_LLADDR = 2, NDA_MAX = 16;

    private RtnetlinkCodec() {
    }

    /** Decodes an RTM_NEWLINK / RTM_DELLINK message. */
    public static Link decodeLink(NetlinkMessage msg) {
        ByteBuffer p = msg.payload();
        if (p.limit() < IFINFOMSG_LEN) {
            throw new IllegalArgumentException("link message shorter than ifinfomsg: " + p.limit() + " bytes");
        }
        int index = p.getInt(4);
        int flags = p.getInt(8);
        NetlinkAttributes a = NetlinkAttributes.parse(p, IFINFOMSG_LEN, IFLA_MAX);
        String name = a.has(IFLA_IFNAME) ? a.string(IFLA_IFNAME) : "if" + index;
        MacAddress mac = a.has(IFLA_ADDRESS) && a.length(IFLA_ADDRESS) == 6
                ? new MacAddress(a.bytes(IFLA_ADDRESS)) : MacAddress.ZERO;
        String kind = "";
        int vlan = 0;
        if (a.has(IFLA_LINKINFO)) {
            NetlinkAttributes info = a.nested(IFLA_LINKINFO, IFLA_INFO_MAX);
            if (info.has(IFLA_INFO_KIND)) {
                kind = info.string(IFLA_INFO_KIND);
            }
            if ("vlan".equals(kind) && info.has(IFLA_INFO_DATA)) {
                NetlinkAttributes data = info.nested(IFLA_INFO_DATA, IFLA_VLAN_MAX);
                if (data.has(IFLA_VLAN_ID)) {
                    vlan = data.u16(IFLA_VLAN_ID);
                }
            }
        }
        int parent = a.has(IFLA_LINK) ? a.u32(IFLA_LINK) : 0;
        if (parent == index) {
            parent = 0;
        }
        return new Link(index, name, mac, kind, vlan, parent, (flags & IFF_UP) != 0);
    }

    /** Decodes an RTM_NEWNEIGH / RTM_DELNEIGH message; empty when it has no link-layer address. */
    public static Optional<Neighbour> decodeNeighbour(NetlinkMessage msg) {
        ByteBuffer p = msg.payload();
        if (p.limit() < NDMSG_LEN) {
            throw new IllegalArgumentException("neighbour message shorter than ndmsg: " + p.limit() + " bytes");
        }
        int ifindex = p.getInt(4);
        int state = Short.toUnsignedInt(p.getShort(8));
        NetlinkAttributes a = NetlinkAttributes.parse(p, NDMSG_LEN, NDA_MAX);
        if (!a.has(NDA_DST) || !a.has(NDA_LLADDR) || a.length(NDA_LLADDR) != 6) {
            return Optional.empty();
        }
        return Optional.of(new Neighbour(ifindex, a.address(NDA_DST), new MacAddress(a.bytes(NDA_LLADDR)), state));
    }

    /** The IP address of a neighbour message (deletions may carry no link-layer address). */
    public static Optional<InetAddress> decodeNeighbourAddress(NetlinkMessage msg) {
        ByteBuffer p = msg.payload();
        if (p.limit() < NDMSG_LEN) {
            throw new IllegalArgumentException("neighbour message shorter than ndmsg: " + p.limit() + " bytes");
        }
        NetlinkAttributes a = NetlinkAttributes.parse(p, NDMSG_LEN, NDA_MAX);
        return a.has(NDA_DST) ? Optional.of(a.address(NDA_DST)) : Optional.empty();
    }

    /** Decodes the RTM_NEWROUTE answer to a route lookup of {@code destination}. */
    public static Route decodeRoute(InetAddress destination, NetlinkMessage msg) {
        ByteBuffer p = msg.payload();
        if (p.limit() < RTMSG_LEN) {
            throw new IllegalArgumentException("route message shorter than rtmsg: " + p.limit() + " bytes");
        }
        int type = Byte.toUnsignedInt(p.get(7));
        NetlinkAttributes a = NetlinkAttributes.parse(p, RTMSG_LEN, RTA_MAX);
        if (!a.has(RTA_OIF)) {
            throw new IllegalArgumentException("route to " + destination.getHostAddress() + " has no output interface");
        }
        return new Route(destination, a.u32(RTA_OIF),
                a.has(RTA_GATEWAY) ? Optional.of(a.address(RTA_GATEWAY)) : Optional.empty(),
                a.has(RTA_PREFSRC) ? Optional.of(a.address(RTA_PREFSRC)) : Optional.empty(),
                type == RTN_LOCAL);
    }

    /** RTM_GETLINK dump request. */
    public static ByteBuffer linkDumpRequest(int seq) {
        return new NetlinkMessageBuilder(RTM_GETLINK, Netlink.NLM_F_DUMP)
                .putU8(Libc.AF_UNSPEC).putU8(0).putU16(0).putU32(0).putU32(0).putU32(0).build(seq);
    }

    /** RTM_GETNEIGH dump request for all families. */
    public static ByteBuffer neighbourDumpRequest(int seq) {
        return new NetlinkMessageBuilder(RTM_GETNEIGH, Netlink.NLM_F_DUMP)
                .putU8(Libc.AF_UNSPEC).putU8(0).putU16(0).putU32(0).putU16(0).putU8(0).putU8(0).build(seq);
    }

    /** RTM_GETNEIGH request for one address on one link (kernels since 4.20). */
    public static ByteBuffer neighbourGetRequest(int seq, int ifindex, InetAddress address) {
        return new NetlinkMessageBuilder(RTM_GETNEIGH, 0)
                .putU8(family(address)).putU8(0).putU16(0).putU32(ifindex).putU16(0).putU8(0).putU8(0)
                .attr(NDA_DST, address.getAddress()).build(seq);
    }

    /** RTM_GETROUTE lookup of the route the kernel would use to send to {@code destination}. */
    public static ByteBuffer routeGetRequest(int seq, InetAddress destination) {
        byte[] raw = destination.getAddress();
        return new NetlinkMessageBuilder(RTM_GETROUTE, 0)
                .putU8(family(destination)).putU8(raw.length * 8).putU8(0).putU8(0)
                .putU8(0).putU8(0).putU8(0).putU8(0).putU32(0)
                .attr(RTA_DST, raw).build(seq);
    }

    static int family(InetAddress a) {
        return a instanceof Inet4Address ? Libc.AF_INET : Libc.AF_INET6;
    }
}
