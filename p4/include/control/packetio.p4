/*
 * Packet I/O with the slow path (switchdev model: one representor per switch port on the Linux
 * side; see /work/shared/design/ARCHITECTURE.md, "The slow path").
 *
 * - PacketIoIngress: a frame from CPU_PORT carries a packet_out header; it leaves on
 *   packet_out.egress_port without any other processing (no ACL, no flow lookup, no TTL change,
 *   no checksum change). FlowtableIngress exits right after it.
 * - Punting (in FlowtableIngress.apply, which owns punt_counter): egress_spec = CPU_PORT with
 *   meta.punt_reason set; ACL log copies are ingress-to-egress clones through
 *   CPU_CLONE_SESSION_ID (copy_to_cpu_acl in acl.p4).
 * - PacketIoEgress: every frame leaving on CPU_PORT gets a valid packet_in header carrying the
 *   port the frame arrived on and the punt reason (clone_reason for a clone).
 *
 * Top-level controls with no controller-visible object (no table, action or extern), so
 * instantiating them adds nothing to the P4Info.
 */

#ifndef __FLOWTABLE_PACKETIO__
#define __FLOWTABLE_PACKETIO__

#include "../header.p4"

control PacketIoIngress(inout headers_t hdr, inout standard_metadata_t standard_metadata) {
    apply {
        standard_metadata.egress_spec = hdr.packet_out.egress_port;
        hdr.packet_out.setInvalid();
    }
}

control PacketIoEgress(inout headers_t hdr,
                       inout local_metadata_t meta,
                       inout standard_metadata_t standard_metadata) {
    apply {
        if (standard_metadata.egress_port == CPU_PORT) {
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = meta.ingress_port;
            if (standard_metadata.instance_type == PKT_INSTANCE_TYPE_INGRESS_CLONE) {
                hdr.packet_in.reason = meta.clone_reason;
            } else {
                hdr.packet_in.reason = meta.punt_reason;
            }
            hdr.packet_in.pad = 0;
        }
    }
}

#endif  // __FLOWTABLE_PACKETIO__
