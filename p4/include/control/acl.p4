/*
 * ACL: the stateless part of the nftables forward chain, applied to every frame (except
 * packet_out) before the flow tables, so offloaded flows keep honouring drop / limit / log.
 *
 * DECLARATIONS ONLY, #included inside the body of FlowtableIngress (see ../ingress.p4), so that
 * the P4Info names are FlowtableIngress.acl, FlowtableIngress.permit_acl, ... (a nested control
 * instance would add its instance name to every name). The control flow that acts on the
 * result (drop, punt, meter colour) is in FlowtableIngress.apply.
 *
 * Uses from the enclosing control: meta (local_metadata_t), standard_metadata.
 */

// Packets and bytes per acl entry (misses are not counted).
@id(0x13000001) direct_counter(CounterType.packets_and_bytes) acl_counter;

// One meter per acl entry, packet based: nft `limit rate N/second` counts packets. An entry
// without a meter configuration reads GREEN (BMv2).
@id(0x15000001) direct_meter<bit<2>>(MeterType.packets) acl_meter;

// Continue with the flow lookup.
@id(0x01000001) action permit_acl() {
}

// Drop the frame; nothing after the ACL runs.
@id(0x01000002) action drop_acl() {
    mark_to_drop(standard_metadata);
}

// Send the frame to the slow path (CPU_PORT) with reason ACL_PUNT; nothing after the ACL runs.
@id(0x01000003) action punt_acl() {
    meta.punt_reason = PUNT_REASON_ACL_PUNT;
}

// Send a copy of the frame as received to the CPU with reason ACL_LOG (nft `log`); the frame
// itself continues with the flow lookup.
@id(0x01000004) action copy_to_cpu_acl() {
    meta.clone_reason = PUNT_REASON_ACL_LOG;
    clone_preserving_field_list(CloneType.I2E, CPU_CLONE_SESSION_ID, CPU_CLONE_FIELD_LIST);
}

// Meter the frame (nft `limit`): RED is dropped, GREEN and YELLOW continue with the flow lookup.
@id(0x01000005) action meter_acl() {
    acl_meter.read(meta.acl_color);
}

@id(0x02000001) table acl {
    key = {
        standard_metadata.ingress_port : ternary @name("ingress_port");  // 9
        meta.eth_type                  : ternary @name("eth_type");      // 16
        meta.vlan_id                   : ternary @name("vlan_id");       // 12
        meta.ip_proto                  : ternary @name("ip_proto");      // 8
        meta.ipv4_src                  : ternary @name("ipv4_src");      // 32
        meta.ipv4_dst                  : ternary @name("ipv4_dst");      // 32
        meta.ipv6_src                  : ternary @name("ipv6_src");      // 128
        meta.ipv6_dst                  : ternary @name("ipv6_dst");      // 128
        meta.l4_sport                  : range   @name("l4_sport");      // 16
        meta.l4_dport                  : range   @name("l4_dport");      // 16
    }
    actions = {
        permit_acl;
        drop_acl;
        punt_acl;
        copy_to_cpu_acl;
        meter_acl;
        @defaultonly NoAction;
    }
    const default_action = NoAction();
    // p4c lists direct_resource_ids as counter, then meter (whatever the property order).
    counters = acl_counter;
    meters = acl_meter;
    size = ACL_TABLE_SIZE;
}
