/*
 * FlowtableEgress: transmit port counting and the packet_in header for frames sent to the CPU.
 *
 * Every controller-visible object is declared directly in this control (P4Info name
 * FlowtableEgress.<name>); PacketIoEgress holds logic only.
 */

#ifndef __FLOWTABLE_EGRESS__
#define __FLOWTABLE_EGRESS__

#include "define.p4"
#include "size.p4"
#include "header.p4"
#include "control/packetio.p4"

control FlowtableEgress(inout headers_t hdr,
                        inout local_metadata_t meta,
                        inout standard_metadata_t standard_metadata) {

    // Every frame that reaches egress (forwarded, punted, cloned, packet_out), indexed by
    // egress port; frames to the CPU count at CPU_PORT (255).
    @id(0x12000002) counter(PORT_COUNTER_SIZE, CounterType.packets_and_bytes) tx_port_counter;

    PacketIoEgress() packet_io_egress;

    apply {
        tx_port_counter.count((bit<32>) standard_metadata.egress_port);
        packet_io_egress.apply(hdr, meta, standard_metadata);
    }
}

#endif  // __FLOWTABLE_EGRESS__
