/*
 * nft-offload flowtable pipeline: headers and metadata.
 */

#ifndef __FLOWTABLE_HEADER__
#define __FLOWTABLE_HEADER__

#include "define.p4"

// ---------------------------------------------------------------------------------------------
// Controller headers (P4Runtime PacketIn / PacketOut metadata). The P4Info name is the
// @controller_header string; metadata ids are 1..n in field order.
// ---------------------------------------------------------------------------------------------

// Prepended in egress to every frame sent to CPU_PORT.
@id(0x04000001) @controller_header("packet_in")
header packet_in_header_t {
    port_t ingress_port;  // port the frame arrived on (for a log copy: the original's port)
    bit<8> reason;        // PUNT_REASON_*
    bit<7> pad;           // always 0
}

// Prepended by the controller to every frame it sends from CPU_PORT.
@id(0x04000002) @controller_header("packet_out")
header packet_out_header_t {
    port_t egress_port;   // port to send the frame out of, as is
    bit<7> pad;           // ignored
}

// ---------------------------------------------------------------------------------------------
// Packet headers
// ---------------------------------------------------------------------------------------------

header ethernet_t {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;  // ETHERTYPE_VLAN when a vlan_tag_t follows
}

// One 802.1Q tag. ether_type is the EtherType of what follows the tag.
header vlan_tag_t {
    bit<3>    pcp;
    bit<1>    dei;
    vlan_id_t vlan_id;
    bit<16>   ether_type;
}

// Fixed 20-byte IPv4 header; options (IHL > 5) are not parsed and stay in the payload.
header ipv4_t {
    bit<4>      version;
    bit<4>      ihl;
    bit<6>      dscp;
    bit<2>      ecn;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

header ipv6_t {
    bit<4>      version;
    bit<8>      traffic_class;
    bit<20>     flow_label;
    bit<16>     payload_len;
    bit<8>      next_hdr;
    bit<8>      hop_limit;
    ipv6_addr_t src_addr;
    ipv6_addr_t dst_addr;
}

// Fixed 20-byte TCP header; TCP options are not parsed and stay in the payload.
header tcp_t {
    bit<16> sport;
    bit<16> dport;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;        // CWR ECE URG ACK PSH RST SYN FIN
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

header udp_t {
    bit<16> sport;
    bit<16> dport;
    bit<16> len;
    bit<16> checksum;
}

// Deparser order: packet_in, ethernet, vlan, ipv4, ipv6, tcp, udp (packet_out is never emitted).
struct headers_t {
    packet_out_header_t packet_out;
    packet_in_header_t  packet_in;
    ethernet_t          ethernet;
    vlan_tag_t          vlan;
    ipv4_t              ipv4;
    ipv6_t              ipv6;
    tcp_t               tcp;
    udp_t               udp;
}

// ---------------------------------------------------------------------------------------------
// Metadata. Kept flat (no nested structs) so that the @field_list annotations stay on
// top-level fields, where every p4c backend finds them.
// ---------------------------------------------------------------------------------------------

struct local_metadata_t {
    // Lookup fields, filled by LookupFields from the parsed headers; 0 when absent.
    bit<16>     eth_type;     // EtherType after the VLAN tag if any, else the Ethernet one
    vlan_id_t   vlan_id;      // 0 when untagged
    bit<8>      ip_proto;     // IPv4 protocol / IPv6 next header; 0 when not IP
    ipv4_addr_t ipv4_src;
    ipv4_addr_t ipv4_dst;
    ipv6_addr_t ipv6_src;
    ipv6_addr_t ipv6_dst;
    bit<16>     l4_sport;     // TCP/UDP ports; 0 when no TCP/UDP header was parsed
    bit<16>     l4_dport;
    bit<16>     l4_len;       // IPv4 total_len - 4*IHL, or IPv6 payload_len (pseudo-header length)

    // ACL: colour of the acl entry's direct meter (meaningful after meter_acl only).
    bit<2>      acl_color;

    // Punt / packet_in. The two field-list fields survive the ingress-to-egress clone of the
    // ACL log copy (BMv2 resets all other user metadata of a clone, and copies the field-list
    // values as they are at the END of ingress: clone_reason is therefore separate from
    // punt_reason, which the original may still set later in ingress).
    bit<8>      punt_reason;  // PUNT_REASON_*; PUNT_REASON_NONE when not punted
    @field_list(CPU_CLONE_FIELD_LIST)
    port_t      ingress_port; // standard_metadata.ingress_port of the frame
    @field_list(CPU_CLONE_FIELD_LIST)
    bit<8>      clone_reason; // reason of the CPU clone (PUNT_REASON_ACL_LOG)

    // Result of a flow_v4 / flow_v6 hit, written by the flow actions and applied by FlowRewrite
    // only after the TTL check (so a TTL_EXPIRED punt carries the original frame).
    port_t      fwd_port;
    mac_addr_t  fwd_smac;
    mac_addr_t  fwd_dmac;
    bit<2>      fwd_vlan_op;  // VLAN_OP_*
    vlan_id_t   fwd_vlan_id;
    bool        fwd_nat;      // nat_flow_*: rewrite addresses (and TCP/UDP ports)
    ipv4_addr_t nat_ipv4_src;
    ipv4_addr_t nat_ipv4_dst;
    ipv6_addr_t nat_ipv6_src;
    ipv6_addr_t nat_ipv6_dst;
    bit<16>     nat_l4_sport;
    bit<16>     nat_l4_dport;

    // Which checksums FlowtableComputeChecksum recomputes.
    bool        ipv4_checksum_update;  // IPv4 header checksum (any forwarded flow_v4 hit)
    bool        l4_checksum_update;    // TCP/UDP checksum (nat_flow_v4 / nat_flow_v6 hits)
}

#endif  // __FLOWTABLE_HEADER__
