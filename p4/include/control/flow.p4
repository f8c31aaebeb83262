/*
 * Flow tables: one entry per direction of an offloaded connection (nf_flow_table tuple), exact
 * match on ingress port, IP protocol, addresses and L4 ports (0 for non-TCP/UDP packets).
 *
 * DECLARATIONS ONLY, #included inside the body of FlowtableIngress (see ../ingress.p4), so that
 * the P4Info names are FlowtableIngress.flow_v4, FlowtableIngress.forward_flow_v4, ...
 *
 * The actions only record the forwarding result in metadata (fwd_*, nat_*). FlowtableIngress
 * applies it with FlowRewrite (flow_rewrite.p4) after the TTL / hop-limit check, so a hit with
 * TTL <= 1 goes to the slow path exactly as it arrived. Every applied hit decrements the TTL /
 * hop limit by 1 and rewrites the Ethernet source and destination.
 *
 * VLAN on egress:
 *   forward_flow_*       leave the tag as it is (tagged in, same tag out; untagged in, untagged out)
 *   forward_vlan_flow_*  tagged with vlan_id: push a tag (PCP 0, DEI 0) if untagged, else
 *                        rewrite the VID (PCP, DEI kept)
 *   forward_untag_flow_* untagged: pop the tag if present
 *   nat_flow_*           vlan_id 0: as forward_untag_flow_*; else as forward_vlan_flow_*
 * NAT (nat_flow_*): source and destination address are set to ipv*_src / ipv*_dst, and, for
 * TCP and UDP only, source and destination port to l4_sport / l4_dport. The controller passes
 * the unchanged values for what it does not translate.
 *
 * Uses from the enclosing control: meta (local_metadata_t), hdr.
 */

// Packets and bytes per flow entry (for conntrack refresh); misses are not counted.
@id(0x13000002) direct_counter(CounterType.packets_and_bytes) flow_v4_counter;
@id(0x13000003) direct_counter(CounterType.packets_and_bytes) flow_v6_counter;

// ---------------------------------------------------------------------------------------------
// flow_v4
// ---------------------------------------------------------------------------------------------

@id(0x01000010) action forward_flow_v4(port_t port, mac_addr_t smac, mac_addr_t dmac) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_KEEP;
    meta.fwd_nat = false;
}

@id(0x01000011) action forward_vlan_flow_v4(port_t port, mac_addr_t smac, mac_addr_t dmac,
                                            vlan_id_t vlan_id) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_TAG;
    meta.fwd_vlan_id = vlan_id;
    meta.fwd_nat = false;
}

@id(0x01000012) action forward_untag_flow_v4(port_t port, mac_addr_t smac, mac_addr_t dmac) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_UNTAG;
    meta.fwd_nat = false;
}

@id(0x01000013) action nat_flow_v4(port_t port, mac_addr_t smac, mac_addr_t dmac,
                                   vlan_id_t vlan_id,
                                   ipv4_addr_t ipv4_src, ipv4_addr_t ipv4_dst,
                                   bit<16> l4_sport, bit<16> l4_dport) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_TAG_OR_UNTAG;
    meta.fwd_vlan_id = vlan_id;
    meta.fwd_nat = true;
    meta.nat_ipv4_src = ipv4_src;
    meta.nat_ipv4_dst = ipv4_dst;
    meta.nat_l4_sport = l4_sport;
    meta.nat_l4_dport = l4_dport;
}

@id(0x02000002) table flow_v4 {
    key = {
        standard_metadata.ingress_port : exact @name("ingress_port");  // 9
        hdr.ipv4.protocol              : exact @name("ip_proto");      // 8
        hdr.ipv4.src_addr              : exact @name("ipv4_src");      // 32
        hdr.ipv4.dst_addr              : exact @name("ipv4_dst");      // 32
        meta.l4_sport                  : exact @name("l4_sport");      // 16
        meta.l4_dport                  : exact @name("l4_dport");      // 16
    }
    actions = {
        forward_flow_v4;
        forward_vlan_flow_v4;
        forward_untag_flow_v4;
        nat_flow_v4;
        @defaultonly NoAction;
    }
    const default_action = NoAction();
    counters = flow_v4_counter;
    support_timeout = true;
    size = FLOW_V4_TABLE_SIZE;
}

// ---------------------------------------------------------------------------------------------
// flow_v6
// ---------------------------------------------------------------------------------------------

@id(0x01000020) action forward_flow_v6(port_t port, mac_addr_t smac, mac_addr_t dmac) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_KEEP;
    meta.fwd_nat = false;
}

@id(0x01000021) action forward_vlan_flow_v6(port_t port, mac_addr_t smac, mac_addr_t dmac,
                                            vlan_id_t vlan_id) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_TAG;
    meta.fwd_vlan_id = vlan_id;
    meta.fwd_nat = false;
}

@id(0x01000022) action forward_untag_flow_v6(port_t port, mac_addr_t smac, mac_addr_t dmac) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_UNTAG;
    meta.fwd_nat = false;
}

@id(0x01000023) action nat_flow_v6(port_t port, mac_addr_t smac, mac_addr_t dmac,
                                   vlan_id_t vlan_id,
                                   ipv6_addr_t ipv6_src, ipv6_addr_t ipv6_dst,
                                   bit<16> l4_sport, bit<16> l4_dport) {
    meta.fwd_port = port;
    meta.fwd_smac = smac;
    meta.fwd_dmac = dmac;
    meta.fwd_vlan_op = VLAN_OP_TAG_OR_UNTAG;
    meta.fwd_vlan_id = vlan_id;
    meta.fwd_nat = true;
    meta.nat_ipv6_src = ipv6_src;
    meta.nat_ipv6_dst = ipv6_dst;
    meta.nat_l4_sport = l4_sport;
    meta.nat_l4_dport = l4_dport;
}

@id(0x02000003) table flow_v6 {
    key = {
        standard_metadata.ingress_port : exact @name("ingress_port");  // 9
        hdr.ipv6.next_hdr              : exact @name("ip_proto");      // 8
        hdr.ipv6.src_addr              : exact @name("ipv6_src");      // 128
        hdr.ipv6.dst_addr              : exact @name("ipv6_dst");      // 128
        meta.l4_sport                  : exact @name("l4_sport");      // 16
        meta.l4_dport                  : exact @name("l4_dport");      // 16
    }
    actions = {
        forward_flow_v6;
        forward_vlan_flow_v6;
        forward_untag_flow_v6;
        nat_flow_v6;
        @defaultonly NoAction;
    }
    const default_action = NoAction();
    counters = flow_v6_counter;
    support_timeout = true;
    size = FLOW_V6_TABLE_SIZE;
}
