/*
 * nft-offload flowtable pipeline: parser and deparser.
 *
 * Parse graph:
 *   start --(ingress_port == CPU_PORT)--> packet_out --> accept   (inner frame left unparsed)
 *   start --> ethernet --0x8100--> vlan --> ipv4 | ipv6 | accept
 *                      --0x0800--> ipv4 --(IHL 5, not a fragment, proto 6/17)--> tcp | udp
 *                      --0x86DD--> ipv6 --(next header 6/17)--> tcp | udp
 * Anything else stays unparsed payload and is emitted again byte for byte. Only one 802.1Q tag
 * is parsed (an inner 0x8100 / 0x88A8 makes the frame non-IP). IPv4 with options and IPv4
 * fragments get no L4 header parsed (their L4 ports read as 0), so nothing after an unparsed
 * IPv4 option is ever misread as a TCP/UDP header.
 */

#ifndef __FLOWTABLE_PARSER__
#define __FLOWTABLE_PARSER__

#include "header.p4"

parser FlowtableParser(packet_in packet,
                       out headers_t hdr,
                       inout local_metadata_t meta,
                       inout standard_metadata_t standard_metadata) {

    state start {
        transition select(standard_metadata.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }

    // The frame behind packet_out is sent out unchanged: it is not parsed, so no later stage
    // can rewrite it and the deparser emits it again byte for byte as payload.
    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition accept;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_VLAN: parse_vlan;
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }

    state parse_vlan {
        packet.extract(hdr.vlan);
        transition select(hdr.vlan.ether_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }

    // The L4 header is parsed only when it directly follows a 20-byte header (IHL 5) of an
    // unfragmented datagram (MF 0, fragment offset 0).
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.ihl, hdr.ipv4.flags, hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (IPV4_IHL_MIN, 3w0 &&& IPV4_FLAG_MF, 13w0, IP_PROTO_TCP): parse_tcp;
            (IPV4_IHL_MIN, 3w0 &&& IPV4_FLAG_MF, 13w0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    // Extension headers are not walked: the L4 header is parsed only when it is the first
    // next header.
    state parse_ipv6 {
        packet.extract(hdr.ipv6);
        transition select(hdr.ipv6.next_hdr) {
            IP_PROTO_TCP: parse_tcp;
            IP_PROTO_UDP: parse_udp;
            default: accept;
        }
    }

    state parse_tcp {
        packet.extract(hdr.tcp);
        transition accept;
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition accept;
    }
}

control FlowtableDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.vlan);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ipv6);
        packet.emit(hdr.tcp);
        packet.emit(hdr.udp);
    }
}

#endif  // __FLOWTABLE_PARSER__
