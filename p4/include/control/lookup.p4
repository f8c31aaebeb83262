/*
 * LookupFields: fills the lookup metadata (ACL key, flow L4 ports, pseudo-header length) from
 * the parsed headers. Every field is written on every path: a field whose header is absent is
 * 0, never the content of an invalid header.
 *
 * Top-level control with no controller-visible object (no table, action or extern), so
 * instantiating it inside FlowtableIngress adds nothing to the P4Info.
 */

#ifndef __FLOWTABLE_LOOKUP__
#define __FLOWTABLE_LOOKUP__

#include "../header.p4"

control LookupFields(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        meta.eth_type = 0;
        meta.vlan_id = 0;
        meta.ip_proto = 0;
        meta.ipv4_src = 0;
        meta.ipv4_dst = 0;
        meta.ipv6_src = 0;
        meta.ipv6_dst = 0;
        meta.l4_sport = 0;
        meta.l4_dport = 0;
        meta.l4_len = 0;

        if (hdr.vlan.isValid()) {
            meta.eth_type = hdr.vlan.ether_type;
            meta.vlan_id = hdr.vlan.vlan_id;
        } else if (hdr.ethernet.isValid()) {
            meta.eth_type = hdr.ethernet.ether_type;
        }

        if (hdr.ipv4.isValid()) {
            meta.ip_proto = hdr.ipv4.protocol;
            meta.ipv4_src = hdr.ipv4.src_addr;
            meta.ipv4_dst = hdr.ipv4.dst_addr;
            meta.l4_len = hdr.ipv4.total_len - (((bit<16>) hdr.ipv4.ihl) << 2);
        } else if (hdr.ipv6.isValid()) {
            meta.ip_proto = hdr.ipv6.next_hdr;
            meta.ipv6_src = hdr.ipv6.src_addr;
            meta.ipv6_dst = hdr.ipv6.dst_addr;
            meta.l4_len = hdr.ipv6.payload_len;
        }

        if (hdr.tcp.isValid()) {
            meta.l4_sport = hdr.tcp.sport;
            meta.l4_dport = hdr.tcp.dport;
        } else if (hdr.udp.isValid()) {
            meta.l4_sport = hdr.udp.sport;
            meta.l4_dport = hdr.udp.dport;
        }
    }
}

#endif  // __FLOWTABLE_LOOKUP__
