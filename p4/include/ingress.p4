/*
 * FlowtableIngress: packet_out, port counting, ACL, slow-path classification, flow lookup.
 *
 * Every controller-visible object is declared directly in this control (the acl and flow
 * declarations are #included textually into the body), so P4Info names are
 * FlowtableIngress.<name>. The nested controls (LookupFields, FlowRewrite, PacketIoIngress) hold
 * logic only and add nothing to the P4Info.
 *
 * Order (the README's behaviour table is the reference for each packet class):
 *  1. packet_out (ingress port CPU_PORT): out on packet_out.egress_port, nothing else.
 *  2. rx_port_counter[ingress_port].
 *  3. acl: permit / miss -> continue; drop_acl -> drop; punt_acl -> CPU (ACL_PUNT);
 *     copy_to_cpu_acl -> clone to CPU (ACL_LOG), continue; meter_acl -> RED drop, else continue.
 *  4. not IPv4/IPv6 -> CPU (FLOW_MISS); IPv4 IHL != 5 -> CPU (IP_OPTIONS);
 *     IPv4 header checksum error -> drop; IPv4 fragment -> CPU (FLOW_MISS).
 *  5. TCP with SYN, FIN or RST -> CPU (TCP_CONTROL).
 *  6. flow_v4 / flow_v6: miss -> CPU (FLOW_MISS); hit with TTL / hop limit <= 1 -> CPU
 *     (TTL_EXPIRED), frame unchanged; other hit -> FlowRewrite (rewrites, TTL - 1).
 *  Punted frames: egress_spec = CPU_PORT, punt_counter[reason].
 */

#ifndef __FLOWTABLE_INGRESS__
#define __FLOWTABLE_INGRESS__

#include "define.p4"
#include "size.p4"
#include "header.p4"
#include "control/lookup.p4"
#include "control/flow_rewrite.p4"
#include "control/packetio.p4"

control FlowtableIngress(inout headers_t hdr,
                         inout local_metadata_t meta,
                         inout standard_metadata_t standard_metadata) {

    // Every frame received on a port (packet_out excluded), indexed by ingress port.
    @id(0x12000001) counter(PORT_COUNTER_SIZE, CounterType.packets_and_bytes) rx_port_counter;

    // Every frame sent to the CPU (punts and ACL log copies), indexed by punt reason.
    @id(0x12000003) counter(PUNT_COUNTER_SIZE, CounterType.packets) punt_counter;

    LookupFields() lookup_fields;
    FlowRewrite() flow_rewrite;
    PacketIoIngress() packet_io_ingress;

#include "control/acl.p4"
#include "control/flow.p4"

    apply {
        meta.ingress_port = standard_metadata.ingress_port;
        meta.punt_reason = PUNT_REASON_NONE;
        meta.clone_reason = PUNT_REASON_NONE;
        meta.fwd_nat = false;
        meta.ipv4_checksum_update = false;
        meta.l4_checksum_update = false;

        // 1. packet_out: straight out, no other processing.
        if (hdr.packet_out.isValid()) {
            packet_io_ingress.apply(hdr, standard_metadata);
            exit;
        }

        // 2. Port counter.
        rx_port_counter.count((bit<32>) standard_metadata.ingress_port);

        // 3. ACL, on every frame.
        lookup_fields.apply(hdr, meta);
        switch (acl.apply().action_run) {
            drop_acl: {
                exit;
            }
            copy_to_cpu_acl: {
                punt_counter.count((bit<32>) PUNT_REASON_ACL_LOG);
            }
            meter_acl: {
                if (meta.acl_color == METER_COLOR_RED) {
                    mark_to_drop(standard_metadata);
                    exit;
                }
            }
            // permit_acl, NoAction (miss): continue. punt_acl: meta.punt_reason is set.
        }

        // 4.-6. Slow-path classes, then the flow lookup. Skipped after punt_acl.
        bool forward = false;
        if (meta.punt_reason == PUNT_REASON_NONE) {
            if (!hdr.ipv4.isValid() && !hdr.ipv6.isValid()) {
                // Non-IP (ARP, ...), or an IP header too short to parse.
                meta.punt_reason = PUNT_REASON_FLOW_MISS;
            } else if (hdr.ipv4.isValid() && hdr.ipv4.ihl != IPV4_IHL_MIN) {
                meta.punt_reason = PUNT_REASON_IP_OPTIONS;
            } else if (hdr.ipv4.isValid() && standard_metadata.checksum_error == 1) {
                // Corrupt IPv4 header: a router drops it (recomputing the checksum after the
                // TTL decrement would otherwise make it look valid).
                mark_to_drop(standard_metadata);
                exit;
            } else if (hdr.ipv4.isValid()
                       && (hdr.ipv4.frag_offset != 0 || (hdr.ipv4.flags & IPV4_FLAG_MF) != 0)) {
                // Fragments are reassembled by the slow path (conntrack), never offloaded.
                meta.punt_reason = PUNT_REASON_FLOW_MISS;
            } else if (hdr.tcp.isValid() && (hdr.tcp.flags & TCP_FLAGS_CONTROL) != 0) {
                meta.punt_reason = PUNT_REASON_TCP_CONTROL;
            } else if (hdr.ipv4.isValid()) {
                if (flow_v4.apply().hit) {
                    if (hdr.ipv4.ttl <= 1) {
                        meta.punt_reason = PUNT_REASON_TTL_EXPIRED;
                    } else {
                        forward = true;
                    }
                } else {
                    meta.punt_reason = PUNT_REASON_FLOW_MISS;
                }
            } else {
                if (flow_v6.apply().hit) {
                    if (hdr.ipv6.hop_limit <= 1) {
                        meta.punt_reason = PUNT_REASON_TTL_EXPIRED;
                    } else {
                        forward = true;
                    }
                } else {
                    meta.punt_reason = PUNT_REASON_FLOW_MISS;
                }
            }
        }

        if (forward) {
            flow_rewrite.apply(hdr, meta, standard_metadata);
        } else if (meta.punt_reason != PUNT_REASON_NONE) {
            standard_metadata.egress_spec = CPU_PORT;
            punt_counter.count((bit<32>) meta.punt_reason);
        }
    }
}

#endif  // __FLOWTABLE_INGRESS__
