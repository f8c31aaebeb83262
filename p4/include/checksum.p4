/*
 * nft-offload flowtable pipeline: checksum verification and update.
 *
 * Verify: the IPv4 header checksum of an IPv4 header without options (IHL 5). A mismatch sets
 * standard_metadata.checksum_error; FlowtableIngress drops such a frame unless the ACL has
 * already dropped or punted it. (With options the 20 parsed bytes are not the whole header, so
 * it is not verified here; those frames go to the slow path as IP_OPTIONS.)
 *
 * Update, only for frames a flow action rewrote (flags set by FlowRewrite):
 * - IPv4 header checksum: recomputed over the 20-byte header after every forwarded flow_v4 hit
 *   (the TTL always changes).
 * - TCP / UDP checksum: recomputed over the pseudo-header, the TCP/UDP header and the payload
 *   after a nat_flow_v4 / nat_flow_v6 hit (addresses and ports changed). Plain forward actions
 *   change nothing a TCP/UDP checksum covers (TTL / hop limit are not in the pseudo-header),
 *   so they leave it untouched.
 * - A UDP checksum of 0 over IPv4 means "no checksum" and stays 0.
 * The payload is everything after the last parsed header (BMv2): TCP options, data and any
 * Ethernet padding.
 */

#ifndef __FLOWTABLE_CHECKSUM__
#define __FLOWTABLE_CHECKSUM__

#include "header.p4"

control FlowtableVerifyChecksum(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == IPV4_IHL_MIN,
            { hdr.ipv4.version,
              hdr.ipv4.ihl,
              hdr.ipv4.dscp,
              hdr.ipv4.ecn,
              hdr.ipv4.total_len,
              hdr.ipv4.identification,
              hdr.ipv4.flags,
              hdr.ipv4.frag_offset,
              hdr.ipv4.ttl,
              hdr.ipv4.protocol,
              hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum,
            HashAlgorithm.csum16);
    }
}

control FlowtableComputeChecksum(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid() && meta.ipv4_checksum_update,
            { hdr.ipv4.version,
              hdr.ipv4.ihl,
              hdr.ipv4.dscp,
              hdr.ipv4.ecn,
              hdr.ipv4.total_len,
              hdr.ipv4.identification,
              hdr.ipv4.flags,
              hdr.ipv4.frag_offset,
              hdr.ipv4.ttl,
              hdr.ipv4.protocol,
              hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum,
            HashAlgorithm.csum16);

        // TCP over IPv4. Pseudo-header: src, dst, zero, protocol, TCP length.
        update_checksum_with_payload(
            hdr.ipv4.isValid() && hdr.tcp.isValid() && meta.l4_checksum_update,
            { hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr,
              8w0,
              hdr.ipv4.protocol,
              meta.l4_len,
              hdr.tcp.sport,
              hdr.tcp.dport,
              hdr.tcp.seq_no,
              hdr.tcp.ack_no,
              hdr.tcp.data_offset,
              hdr.tcp.res,
              hdr.tcp.flags,
              hdr.tcp.window,
              hdr.tcp.urgent_ptr },
            hdr.tcp.checksum,
            HashAlgorithm.csum16);

        // UDP over IPv4; checksum 0 (none) stays 0. Pseudo-header length = UDP length.
        update_checksum_with_payload(
            hdr.ipv4.isValid() && hdr.udp.isValid() && meta.l4_checksum_update
                && hdr.udp.checksum != 0,
            { hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr,
              8w0,
              hdr.ipv4.protocol,
              hdr.udp.len,
              hdr.udp.sport,
              hdr.udp.dport,
              hdr.udp.len },
            hdr.udp.checksum,
            HashAlgorithm.csum16);

        // TCP over IPv6. Pseudo-header: src, dst, 32-bit length, 24 zero bits, next header.
        update_checksum_with_payload(
            hdr.ipv6.isValid() && hdr.tcp.isValid() && meta.l4_checksum_update,
            { hdr.ipv6.src_addr,
              hdr.ipv6.dst_addr,
              16w0,
              meta.l4_len,
              24w0,
              hdr.ipv6.next_hdr,
              hdr.tcp.sport,
              hdr.tcp.dport,
              hdr.tcp.seq_no,
              hdr.tcp.ack_no,
              hdr.tcp.data_offset,
              hdr.tcp.res,
              hdr.tcp.flags,
              hdr.tcp.window,
              hdr.tcp.urgent_ptr },
            hdr.tcp.checksum,
            HashAlgorithm.csum16);

        // UDP over IPv6 (the checksum is mandatory over IPv6: always recomputed).
        update_checksum_with_payload(
            hdr.ipv6.isValid() && hdr.udp.isValid() && meta.l4_checksum_update,
            { hdr.ipv6.src_addr,
              hdr.ipv6.dst_addr,
              16w0,
              hdr.udp.len,
              24w0,
              hdr.ipv6.next_hdr,
              hdr.udp.sport,
              hdr.udp.dport,
              hdr.udp.len },
            hdr.udp.checksum,
            HashAlgorithm.csum16);
    }
}

#endif  // __FLOWTABLE_CHECKSUM__
