/*
 * FlowRewrite: applies the result of a flow_v4 / flow_v6 hit that passed the TTL check.
 * Order: egress port, Ethernet addresses, 802.1Q tag, TTL / hop limit - 1, NAT, checksum flags.
 *
 * Top-level control with no controller-visible object (no table, action or extern), so
 * instantiating it inside FlowtableIngress adds nothing to the P4Info.
 */

#ifndef __FLOWTABLE_FLOW_REWRITE__
#define __FLOWTABLE_FLOW_REWRITE__

#include "../header.p4"

control FlowRewrite(inout headers_t hdr,
                    inout local_metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    apply {
        standard_metadata.egress_spec = meta.fwd_port;
        hdr.ethernet.src_addr = meta.fwd_smac;
        hdr.ethernet.dst_addr = meta.fwd_dmac;

        // 802.1Q: nat_flow_* says "vlan_id 0 = untagged" with one action.
        if (meta.fwd_vlan_op == VLAN_OP_TAG_OR_UNTAG) {
            if (meta.fwd_vlan_id == 0) {
                meta.fwd_vlan_op = VLAN_OP_UNTAG;
            } else {
                meta.fwd_vlan_op = VLAN_OP_TAG;
            }
        }
        if (meta.fwd_vlan_op == VLAN_OP_TAG) {
            if (!hdr.vlan.isValid()) {
                // Push: the tag goes between the source MAC and the EtherType.
                hdr.vlan.setValid();
                hdr.vlan.pcp = 0;
                hdr.vlan.dei = 0;
                hdr.vlan.ether_type = hdr.ethernet.ether_type;
                hdr.ethernet.ether_type = ETHERTYPE_VLAN;
            }
            hdr.vlan.vlan_id = meta.fwd_vlan_id;
        } else if (meta.fwd_vlan_op == VLAN_OP_UNTAG) {
            if (hdr.vlan.isValid()) {
                // Pop.
                hdr.ethernet.ether_type = hdr.vlan.ether_type;
                hdr.vlan.setInvalid();
            }
        }

        // L3: the caller guarantees TTL / hop limit >= 2 here.
        if (hdr.ipv4.isValid()) {
            hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
            if (meta.fwd_nat) {
                hdr.ipv4.src_addr = meta.nat_ipv4_src;
                hdr.ipv4.dst_addr = meta.nat_ipv4_dst;
            }
            meta.ipv4_checksum_update = true;
        } else if (hdr.ipv6.isValid()) {
            hdr.ipv6.hop_limit = hdr.ipv6.hop_limit - 1;
            if (meta.fwd_nat) {
                hdr.ipv6.src_addr = meta.nat_ipv6_src;
                hdr.ipv6.dst_addr = meta.nat_ipv6_dst;
            }
        }

        // L4 ports: TCP and UDP only (for other protocols NAT rewrites the addresses only).
        if (meta.fwd_nat) {
            if (hdr.tcp.isValid()) {
                hdr.tcp.sport = meta.nat_l4_sport;
                hdr.tcp.dport = meta.nat_l4_dport;
            } else if (hdr.udp.isValid()) {
                hdr.udp.sport = meta.nat_l4_sport;
                hdr.udp.dport = meta.nat_l4_dport;
            }
            meta.l4_checksum_update = true;
        }
    }
}

#endif  // __FLOWTABLE_FLOW_REWRITE__
