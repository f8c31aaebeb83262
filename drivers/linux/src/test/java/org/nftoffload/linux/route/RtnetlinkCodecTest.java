package org.nftoffload.linux.route;

import org.junit.jupiter.api.Test;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkMessage;
import org.nftoffload.linux.netlink.NetlinkMessageBuilder;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** rtnetlink decoding on bytes, for what the test kernel cannot make (VLAN interfaces). */
class RtnetlinkCodecTest {

    private static NetlinkMessage only(ByteBuffer wire) {
        List<NetlinkMessage> out = new ArrayList<>();
        Netlink.forEachMessage(wire, out::add);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void vlanInterfaceCarriesItsIdAndParent() {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(RtnetlinkCodec.RTM_NEWLINK, 0)
                .putU8(0).putU8(0).putU16(1).putU32(12).putU32(RtnetlinkCodec.IFF_UP).putU32(0);
        b.attrString(RtnetlinkCodec.IFLA_IFNAME, "eth0.100");
        b.attr(RtnetlinkCodec.IFLA_ADDRESS, new byte[] {2, 0, 0, 0, 1, 0});
        b.attrU32(RtnetlinkCodec.IFLA_LINK, 3);
        int info = b.beginNested(RtnetlinkCodec.IFLA_LINKINFO);
        b.attrString(RtnetlinkCodec.IFLA_INFO_KIND, "vlan");
        int data = b.beginNested(RtnetlinkCodec.IFLA_INFO_DATA);
        b.attrU16(RtnetlinkCodec.IFLA_VLAN_ID, 100);
        b.endNested(data);
        b.endNested(info);
        Link link = RtnetlinkCodec.decodeLink(only(b.build(1)));
        assertEquals(new Link(12, "eth0.100", MacAddress.parse("02:00:00:00:01:00"), "vlan", 100, 3, true), link);
        assertTrue(link.isVlan());
    }

    @Test
    void badValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Link(1, "x", MacAddress.ZERO, "vlan", 4096, 0, true));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> RtnetlinkCodec.decodeLink(
                new NetlinkMessage(RtnetlinkCodec.RTM_NEWLINK, 0, 0, 0, ByteBuffer.allocate(8))));
    }
}
