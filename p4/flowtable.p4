/*
 * nft-offload flowtable pipeline (P4_16, v1model).
 *
 * Offloads Linux nftables flowtables: a stateless ACL (the offloadable part of the forward
 * chain) and per-direction flow entries (flow_v4, flow_v6) written by the controller once the
 * kernel has accepted a connection. Misses, TCP SYN/FIN/RST, TTL <= 1, IPv4 options and
 * fragments go to the Linux slow path through the CPU port with a packet_in header.
 *
 * This file only wires the parts together. What each packet class does: README.md.
 * Compile: p4c-bm2-ss --arch v1model --p4runtime-files flowtable.p4info.txtpb flowtable.p4
 * (the checked-in flowtable.p4info.txtpb is kept in sync by hand and must equal that output).
 */

#include <core.p4>
#include <v1model.p4>

#include "include/define.p4"
#include "include/size.p4"
#include "include/header.p4"
#include "include/parser.p4"
#include "include/checksum.p4"
#include "include/ingress.p4"
#include "include/egress.p4"

V1Switch(
    FlowtableParser(),
    FlowtableVerifyChecksum(),
    FlowtableIngress(),
    FlowtableEgress(),
    FlowtableComputeChecksum(),
    FlowtableDeparser()
) main;
