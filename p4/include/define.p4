/*
 * nft-offload flowtable pipeline: types and constants.
 *
 * Everything the controller must agree on (CPU port, clone session, punt reasons) is defined here
 * once. The controller mirrors these values in one Java constants file that a test checks against
 * the checked-in P4Info; see ../README.md.
 */

#ifndef __FLOWTABLE_DEFINE__
#define __FLOWTABLE_DEFINE__

// Plain typedefs on purpose: p4c writes a P4Info `type_name` only for `type` (newtype)
// declarations, so typedefs keep the P4Info free of translated types.
typedef bit<9>   port_t;
typedef bit<48>  mac_addr_t;
typedef bit<32>  ipv4_addr_t;
typedef bit<128> ipv6_addr_t;
typedef bit<12>  vlan_id_t;

// ---------------------------------------------------------------------------------------------
// Ports, packet I/O and cloning
// ---------------------------------------------------------------------------------------------

// Port of the switch CPU (BMv2: simple_switch_grpc --cpu-port 255). Frames from this port start
// with a packet_out header; frames sent to it get a packet_in header.
const port_t CPU_PORT = 255;

// Clone (mirror) session the controller programs with one replica to CPU_PORT; used for the
// ACL log copies (copy_to_cpu_acl).
const bit<32> CPU_CLONE_SESSION_ID = 511;

// Index of the @field_list that an ingress-to-egress clone to the CPU preserves. A literal
// (macro), not a const: it is the argument of the @field_list annotation, which must be a literal.
#define CPU_CLONE_FIELD_LIST 1

// standard_metadata.instance_type values set by BMv2 simple_switch.
const bit<32> PKT_INSTANCE_TYPE_NORMAL        = 0;
const bit<32> PKT_INSTANCE_TYPE_INGRESS_CLONE = 1;

// ---------------------------------------------------------------------------------------------
// Punt reasons: packet_in.reason and the index of FlowtableIngress.punt_counter.
// ---------------------------------------------------------------------------------------------

const bit<8> PUNT_REASON_NONE        = 0;  // not punted (internal only, never sent)
const bit<8> PUNT_REASON_FLOW_MISS   = 1;  // no flow entry; also non-IP frames and IPv4 fragments
const bit<8> PUNT_REASON_TCP_CONTROL = 2;  // TCP with SYN, FIN or RST set
const bit<8> PUNT_REASON_TTL_EXPIRED = 3;  // flow hit with IPv4 TTL <= 1 or IPv6 hop limit <= 1
const bit<8> PUNT_REASON_IP_OPTIONS  = 4;  // IPv4 with IHL != 5 (options present, or malformed)
const bit<8> PUNT_REASON_ACL_PUNT    = 5;  // acl entry with punt_acl
const bit<8> PUNT_REASON_ACL_LOG     = 6;  // copy made by an acl entry with copy_to_cpu_acl

// ---------------------------------------------------------------------------------------------
// Protocol constants
// ---------------------------------------------------------------------------------------------

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_ARP  = 0x0806;
const bit<16> ETHERTYPE_VLAN = 0x8100;
const bit<16> ETHERTYPE_IPV6 = 0x86DD;

const bit<8> IP_PROTO_ICMP   = 1;
const bit<8> IP_PROTO_TCP    = 6;
const bit<8> IP_PROTO_UDP    = 17;
const bit<8> IP_PROTO_ICMPV6 = 58;

// IPv4 header without options: IHL = 5 words = 20 bytes.
const bit<4> IPV4_IHL_MIN = 5;
// IPv4 flags are (reserved, DF, MF); MF is the least significant bit.
const bit<3> IPV4_FLAG_MF = 0x1;

// TCP flags byte: CWR ECE URG ACK PSH RST SYN FIN.
const bit<8> TCP_FLAG_FIN = 0x01;
const bit<8> TCP_FLAG_SYN = 0x02;
const bit<8> TCP_FLAG_RST = 0x04;
const bit<8> TCP_FLAGS_CONTROL = 0x07;  // FIN | SYN | RST: connection set-up and tear-down

// ---------------------------------------------------------------------------------------------
// Meter colours written by direct_meter.read() (v1model: 0 green, 1 yellow, 2 red).
// ---------------------------------------------------------------------------------------------

const bit<2> METER_COLOR_GREEN  = 0;
const bit<2> METER_COLOR_YELLOW = 1;
const bit<2> METER_COLOR_RED    = 2;

// ---------------------------------------------------------------------------------------------
// What a flow action asks for the 802.1Q tag (local_metadata_t.fwd_vlan_op).
// ---------------------------------------------------------------------------------------------

const bit<2> VLAN_OP_KEEP         = 0;  // leave the tag as it is (present or absent)
const bit<2> VLAN_OP_TAG          = 1;  // egress tagged with fwd_vlan_id: push, or rewrite the VID
const bit<2> VLAN_OP_UNTAG        = 2;  // egress untagged: pop the tag if present
const bit<2> VLAN_OP_TAG_OR_UNTAG = 3;  // nat_flow_*: fwd_vlan_id 0 means UNTAG, else TAG

#endif  // __FLOWTABLE_DEFINE__
