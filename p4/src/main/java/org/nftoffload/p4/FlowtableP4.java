package org.nftoffload.p4;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.onosproject.net.pi.model.PiActionId;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiCounterId;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiMatchType;
import org.onosproject.net.pi.model.PiMeterId;
import org.onosproject.net.pi.model.PiPacketMetadataId;
import org.onosproject.net.pi.model.PiTableId;

/**
 * The names and bit widths of every object of {@code p4/flowtable.p4} that the controller or the software switch
 * touches: the only place in Java that spells a P4 name. Numeric P4Runtime ids are never written in Java; they
 * come from the P4Info at run time. {@code FlowtableP4Test} checks every constant here against the checked-in
 * P4Info, so a rename on either side fails the build.
 */
public final class FlowtableP4 {

  private FlowtableP4() {}

  /** The v1model port on which the switch exchanges packet_in / packet_out with the controller. */
  public static final int CPU_PORT = 255;
  /** The clone session that carries ACL log copies to the CPU port. */
  public static final int CPU_CLONE_SESSION_ID = 511;

  public static final int PORT_BITS = 9;
  public static final int MAC_BITS = 48;
  public static final int VLAN_ID_BITS = 12;
  public static final int IP_PROTO_BITS = 8;
  public static final int IPV4_BITS = 32;
  public static final int IPV6_BITS = 128;
  public static final int L4_PORT_BITS = 16;
  public static final int ETH_TYPE_BITS = 16;

  private static final String INGRESS = "FlowtableIngress.";
  private static final String EGRESS = "FlowtableEgress.";

  /** Why the switch sent a packet to the CPU port: the {@code reason} field of the packet_in header. */
  public enum PuntReason {
    /** No flow entry; also every non-IP frame and every IPv4 fragment (conntrack reassembles them). */
    FLOW_MISS(1),
    /** TCP SYN, FIN or RST: connection set-up and teardown belong to conntrack. */
    TCP_CONTROL(2),
    /** IPv4 TTL or IPv6 hop limit at most 1 on a flow hit: the kernel sends the ICMP error. */
    TTL_EXPIRED(3),
    /** IPv4 header with options, or malformed (IHL other than 5). */
    IP_OPTIONS(4),
    /** An ACL entry's punt action. */
    ACL_PUNT(5),
    /** A copy made by an ACL entry's copy-to-CPU action (nft {@code log}). */
    ACL_LOG(6);

    private final int code;

    PuntReason(int code) {
      this.code = code;
    }

    /** The value carried in packet_in's {@code reason} field. */
    public int code() {
      return code;
    }

    /** The reason for a packet_in code, if the pipeline defines one. */
    public static Optional<PuntReason> of(int code) {
      return Arrays.stream(values()).filter(r -> r.code == code).findFirst();
    }
  }

  /** A key field of a table: its name in the P4Info, width and match kind. */
  public record MatchField(PiMatchFieldId id, int bitWidth, PiMatchType matchType) {
    static MatchField of(String name, int bitWidth, PiMatchType matchType) {
      return new MatchField(PiMatchFieldId.of(name), bitWidth, matchType);
    }
  }

  /** A parameter of an action. */
  public record Param(PiActionParamId id, int bitWidth) {
    static Param of(String name, int bitWidth) {
      return new Param(PiActionParamId.of(name), bitWidth);
    }
  }

  /** An action with its parameters in declaration order. */
  public record Action(PiActionId id, List<Param> params) {
    static Action of(String name, Param... params) {
      return new Action(PiActionId.of(INGRESS + name), List.of(params));
    }
  }

  /** A table: key in declaration order, the actions entries may use, and its direct resources. */
  public record Table(PiTableId id, List<MatchField> key, List<Action> actions, PiCounterId directCounter,
      Optional<PiMeterId> directMeter, boolean idleTimeout) {}

  /** A controller packet header field. */
  public record PacketMetadata(PiPacketMetadataId id, int bitWidth) {
    static PacketMetadata of(String name, int bitWidth) {
      return new PacketMetadata(PiPacketMetadataId.of(name), bitWidth);
    }
  }

  /**
   * Action parameters shared by the flow tables' actions. In a holder of their own so that the table classes never
   * initialise this class (whose {@link #TABLES} needs theirs): any of them may be touched first.
   */
  private static final class SharedParams {
    static final Param PORT = Param.of("port", PORT_BITS);
    static final Param SMAC = Param.of("smac", MAC_BITS);
    static final Param DMAC = Param.of("dmac", MAC_BITS);
    static final Param VLAN_ID = Param.of("vlan_id", VLAN_ID_BITS);
  }

  public static final Param PORT = SharedParams.PORT;
  public static final Param SMAC = SharedParams.SMAC;
  public static final Param DMAC = SharedParams.DMAC;
  public static final Param VLAN_ID = SharedParams.VLAN_ID;

  /** The stateless part of the forward chain: ternary/range match, before the flow tables, on every frame. */
  public static final class Acl {
    private Acl() {}

    public static final MatchField INGRESS_PORT = MatchField.of("ingress_port", PORT_BITS, PiMatchType.TERNARY);
    public static final MatchField ETH_TYPE = MatchField.of("eth_type", ETH_TYPE_BITS, PiMatchType.TERNARY);
    public static final MatchField VLAN_ID = MatchField.of("vlan_id", VLAN_ID_BITS, PiMatchType.TERNARY);
    public static final MatchField IP_PROTO = MatchField.of("ip_proto", IP_PROTO_BITS, PiMatchType.TERNARY);
    public static final MatchField IPV4_SRC = MatchField.of("ipv4_src", IPV4_BITS, PiMatchType.TERNARY);
    public static final MatchField IPV4_DST = MatchField.of("ipv4_dst", IPV4_BITS, PiMatchType.TERNARY);
    public static final MatchField IPV6_SRC = MatchField.of("ipv6_src", IPV6_BITS, PiMatchType.TERNARY);
    public static final MatchField IPV6_DST = MatchField.of("ipv6_dst", IPV6_BITS, PiMatchType.TERNARY);
    public static final MatchField L4_SPORT = MatchField.of("l4_sport", L4_PORT_BITS, PiMatchType.RANGE);
    public static final MatchField L4_DPORT = MatchField.of("l4_dport", L4_PORT_BITS, PiMatchType.RANGE);

    public static final Action PERMIT = Action.of("permit_acl");
    public static final Action DROP = Action.of("drop_acl");
    public static final Action PUNT = Action.of("punt_acl");
    public static final Action COPY_TO_CPU = Action.of("copy_to_cpu_acl");
    public static final Action METER = Action.of("meter_acl");

    public static final PiCounterId COUNTER = PiCounterId.of(INGRESS + "acl_counter");
    public static final PiMeterId METER_ID = PiMeterId.of(INGRESS + "acl_meter");

    public static final Table TABLE = new Table(PiTableId.of(INGRESS + "acl"),
        List.of(INGRESS_PORT, ETH_TYPE, VLAN_ID, IP_PROTO, IPV4_SRC, IPV4_DST, IPV6_SRC, IPV6_DST, L4_SPORT, L4_DPORT),
        List.of(PERMIT, DROP, PUNT, COPY_TO_CPU, METER), COUNTER, Optional.of(METER_ID), false);
  }

  /** Offloaded IPv4 connections, one entry per direction: exact 5-tuple plus ingress port. */
  public static final class FlowV4 {
    private FlowV4() {}

    public static final MatchField INGRESS_PORT = MatchField.of("ingress_port", PORT_BITS, PiMatchType.EXACT);
    public static final MatchField IP_PROTO = MatchField.of("ip_proto", IP_PROTO_BITS, PiMatchType.EXACT);
    public static final MatchField IPV4_SRC = MatchField.of("ipv4_src", IPV4_BITS, PiMatchType.EXACT);
    public static final MatchField IPV4_DST = MatchField.of("ipv4_dst", IPV4_BITS, PiMatchType.EXACT);
    public static final MatchField L4_SPORT = MatchField.of("l4_sport", L4_PORT_BITS, PiMatchType.EXACT);
    public static final MatchField L4_DPORT = MatchField.of("l4_dport", L4_PORT_BITS, PiMatchType.EXACT);

    public static final Param NAT_IPV4_SRC = Param.of("ipv4_src", IPV4_BITS);
    public static final Param NAT_IPV4_DST = Param.of("ipv4_dst", IPV4_BITS);
    public static final Param NAT_L4_SPORT = Param.of("l4_sport", L4_PORT_BITS);
    public static final Param NAT_L4_DPORT = Param.of("l4_dport", L4_PORT_BITS);

    /** Rewrite MACs, keep the VLAN tag as it is. */
    public static final Action FORWARD = Action.of("forward_flow_v4",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC);
    /** Rewrite MACs, leave tagged with vlan_id (push or rewrite). */
    public static final Action FORWARD_VLAN = Action.of("forward_vlan_flow_v4",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC, SharedParams.VLAN_ID);
    /** Rewrite MACs, leave untagged (pop). */
    public static final Action FORWARD_UNTAG = Action.of("forward_untag_flow_v4",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC);
    /** Rewrite MACs, addresses and ports; vlan_id 0 leaves untagged. */
    public static final Action NAT = Action.of("nat_flow_v4",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC, SharedParams.VLAN_ID,
        NAT_IPV4_SRC, NAT_IPV4_DST, NAT_L4_SPORT, NAT_L4_DPORT);

    public static final PiCounterId COUNTER = PiCounterId.of(INGRESS + "flow_v4_counter");

    public static final Table TABLE = new Table(PiTableId.of(INGRESS + "flow_v4"),
        List.of(INGRESS_PORT, IP_PROTO, IPV4_SRC, IPV4_DST, L4_SPORT, L4_DPORT),
        List.of(FORWARD, FORWARD_VLAN, FORWARD_UNTAG, NAT), COUNTER, Optional.empty(), true);
  }

  /** Offloaded IPv6 connections; the same shape as {@link FlowV4}. */
  public static final class FlowV6 {
    private FlowV6() {}

    public static final MatchField INGRESS_PORT = MatchField.of("ingress_port", PORT_BITS, PiMatchType.EXACT);
    public static final MatchField IP_PROTO = MatchField.of("ip_proto", IP_PROTO_BITS, PiMatchType.EXACT);
    public static final MatchField IPV6_SRC = MatchField.of("ipv6_src", IPV6_BITS, PiMatchType.EXACT);
    public static final MatchField IPV6_DST = MatchField.of("ipv6_dst", IPV6_BITS, PiMatchType.EXACT);
    public static final MatchField L4_SPORT = MatchField.of("l4_sport", L4_PORT_BITS, PiMatchType.EXACT);
    public static final MatchField L4_DPORT = MatchField.of("l4_dport", L4_PORT_BITS, PiMatchType.EXACT);

    public static final Param NAT_IPV6_SRC = Param.of("ipv6_src", IPV6_BITS);
    public static final Param NAT_IPV6_DST = Param.of("ipv6_dst", IPV6_BITS);
    public static final Param NAT_L4_SPORT = Param.of("l4_sport", L4_PORT_BITS);
    public static final Param NAT_L4_DPORT = Param.of("l4_dport", L4_PORT_BITS);

    public static final Action FORWARD = Action.of("forward_flow_v6",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC);
    public static final Action FORWARD_VLAN = Action.of("forward_vlan_flow_v6",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC, SharedParams.VLAN_ID);
    public static final Action FORWARD_UNTAG = Action.of("forward_untag_flow_v6",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC);
    public static final Action NAT = Action.of("nat_flow_v6",
        SharedParams.PORT, SharedParams.SMAC, SharedParams.DMAC, SharedParams.VLAN_ID,
        NAT_IPV6_SRC, NAT_IPV6_DST, NAT_L4_SPORT, NAT_L4_DPORT);

    public static final PiCounterId COUNTER = PiCounterId.of(INGRESS + "flow_v6_counter");

    public static final Table TABLE = new Table(PiTableId.of(INGRESS + "flow_v6"),
        List.of(INGRESS_PORT, IP_PROTO, IPV6_SRC, IPV6_DST, L4_SPORT, L4_DPORT),
        List.of(FORWARD, FORWARD_VLAN, FORWARD_UNTAG, NAT), COUNTER, Optional.empty(), true);
  }

  /** Every table the controller writes. */
  public static final List<Table> TABLES = List.of(Acl.TABLE, FlowV4.TABLE, FlowV6.TABLE);

  /** Packets and bytes per ingress port, indexed by port number. */
  public static final PiCounterId RX_PORT_COUNTER = PiCounterId.of(INGRESS + "rx_port_counter");
  /** Packets and bytes per egress port, indexed by port number. */
  public static final PiCounterId TX_PORT_COUNTER = PiCounterId.of(EGRESS + "tx_port_counter");
  /** Packets sent to the CPU, indexed by {@link PuntReason#code()}. */
  public static final PiCounterId PUNT_COUNTER = PiCounterId.of(INGRESS + "punt_counter");

  /** Header the switch prepends to packets it sends to the controller. */
  public static final class PacketIn {
    private PacketIn() {}

    public static final PacketMetadata INGRESS_PORT = PacketMetadata.of("ingress_port", PORT_BITS);
    public static final PacketMetadata REASON = PacketMetadata.of("reason", 8);
  }

  /** Header the controller prepends to packets it injects. */
  public static final class PacketOut {
    private PacketOut() {}

    public static final PacketMetadata EGRESS_PORT = PacketMetadata.of("egress_port", PORT_BITS);
  }
}
