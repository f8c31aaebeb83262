package org.nftoffload.softswitch.pipeline;

import static org.nftoffload.softswitch.pipeline.Frames.*;

/**
 * What the flowtable parser extracts from one frame: header offsets and the fields the tables match on. Fields
 * of headers that are absent read 0, as an invalid header's fields do in the ACL key of the P4 program.
 */
final class Headers {
  int ingressPort;
  int length;
  boolean vlanValid;
  int vlanId;
  /** EtherType after the VLAN tag, if any. */
  int ethType;
  /** Offset of the IPv4/IPv6 header, or -1. */
  int l3;
  boolean ipv4;
  boolean ipv6;
  int ipv4HeaderLength;
  /** MF set or fragment offset not 0. */
  boolean ipv4Fragment;
  int ipProto;
  long ipv4Src;
  long ipv4Dst;
  long ipv6SrcHi;
  long ipv6SrcLo;
  long ipv6DstHi;
  long ipv6DstLo;
  /** Offset of the TCP/UDP header, or -1. */
  int l4;
  boolean tcp;
  boolean udp;
  int sport;
  int dport;
  int tcpFlags;

  /** Parses {@code frame}; returns false if it is too short to hold an Ethernet header. */
  boolean parse(int port, byte[] frame, int len) {
    ingressPort = port;
    length = len;
    vlanValid = false;
    vlanId = 0;
    l3 = -1;
    l4 = -1;
    ipv4 = ipv6 = tcp = udp = false;
    ipv4HeaderLength = 0;
    ipv4Fragment = false;
    ipProto = 0;
    ipv4Src = ipv4Dst = ipv6SrcHi = ipv6SrcLo = ipv6DstHi = ipv6DstLo = 0;
    sport = dport = tcpFlags = 0;
    if (len < ETH_HEADER) {
      return false;
    }
    int type = get16(frame, 12);
    int off = ETH_HEADER;
    if (type == ETHERTYPE_VLAN && len >= ETH_HEADER + VLAN_TAG) {
      vlanValid = true;
      vlanId = get16(frame, 14) & 0x0fff;
      type = get16(frame, 16);
      off += VLAN_TAG;
    }
    ethType = type;
    // Like the P4 parser: the version nibble is not checked, and the L4 header is parsed only right after a
    // 20-byte IPv4 header of an unfragmented datagram.
    if (type == ETHERTYPE_IPV4 && len >= off + 20) {
      ipv4 = true;
      l3 = off;
      ipv4HeaderLength = (frame[off] & 0x0f) * 4;
      ipProto = frame[off + 9] & 0xff;
      ipv4Src = get32(frame, off + 12) & 0xffffffffL;
      ipv4Dst = get32(frame, off + 16) & 0xffffffffL;
      ipv4Fragment = (get16(frame, off + 6) & 0x3fff) != 0;
      if (ipv4HeaderLength != 20 || ipv4Fragment) {
        return true;
      }
      off += 20;
    } else if (type == ETHERTYPE_IPV6 && len >= off + IPV6_HEADER) {
      ipv6 = true;
      l3 = off;
      ipProto = frame[off + 6] & 0xff;
      ipv6SrcHi = get64(frame, off + 8);
      ipv6SrcLo = get64(frame, off + 16);
      ipv6DstHi = get64(frame, off + 24);
      ipv6DstLo = get64(frame, off + 32);
      off += IPV6_HEADER;
    } else {
      return true;
    }
    if (ipProto == PROTO_TCP && len >= off + 20) {
      tcp = true;
      l4 = off;
      sport = get16(frame, off);
      dport = get16(frame, off + 2);
      tcpFlags = frame[off + 13] & 0xff;
    } else if (ipProto == PROTO_UDP && len >= off + 8) {
      udp = true;
      l4 = off;
      sport = get16(frame, off);
      dport = get16(frame, off + 2);
    }
    return true;
  }

  FlowKey flowKey() {
    return ipv4 ? FlowKey.v4(ingressPort, ipProto, (int) ipv4Src, (int) ipv4Dst, sport, dport)
        : new FlowKey(ingressPort, ipProto, ipv6SrcHi, ipv6SrcLo, ipv6DstHi, ipv6DstLo, sport, dport);
  }
}
