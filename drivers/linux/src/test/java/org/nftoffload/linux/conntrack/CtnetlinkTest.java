package org.nftoffload.linux.conntrack;

import org.junit.jupiter.api.Test;
import org.nftoffload.linux.Libc;
import org.nftoffload.linux.netlink.Netlink;
import org.nftoffload.linux.netlink.NetlinkMessage;
import org.nftoffload.linux.netlink.NetlinkMessageBuilder;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding of ctnetlink messages built byte by byte the way the kernel lays them out. */
class CtnetlinkTest {
    private static final ConntrackTuple ORIG = tuple("10.0.1.2", "10.0.2.2", ConntrackTuple.TCP, 40000, 80);
    /** masquerade: the reply goes to the router's address and a mapped port */
    private static final ConntrackTuple REPLY = tuple("10.0.2.2", "10.0.2.1", ConntrackTuple.TCP, 80, 61000);

    private static ConntrackTuple tuple(String s, String d, int proto, int sp, int dp) {
        try {
            return new ConntrackTuple(InetAddress.getByName(s), InetAddress.getByName(d), proto, sp, dp);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static NetlinkMessage message(int kind, int flags, boolean withCounters) {
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(Ctnetlink.messageType(kind), flags)
                .putU8(Libc.AF_INET).putU8(0).putBe16(0);
        Ctnetlink.encodeTuple(b, Ctnetlink.CTA_TUPLE_ORIG, ORIG);
        Ctnetlink.encodeTuple(b, Ctnetlink.CTA_TUPLE_REPLY, REPLY);
        int status = ConntrackStatus.ASSURED.mask() | ConntrackStatus.CONFIRMED.mask()
                | ConntrackStatus.SRC_NAT.mask() | ConntrackStatus.OFFLOAD.mask() | ConntrackStatus.HW_OFFLOAD.mask();
        b.attrBe32(Ctnetlink.CTA_STATUS, status);
        b.attrBe32(Ctnetlink.CTA_TIMEOUT, 431999);
        b.attrBe32(Ctnetlink.CTA_MARK, 0x80000001);
        int pi = b.beginNested(Ctnetlink.CTA_PROTOINFO);
        int tcp = b.beginNested(Ctnetlink.CTA_PROTOINFO_TCP);
        b.attrU8(Ctnetlink.CTA_PROTOINFO_TCP_STATE, 3);
        b.endNested(tcp);
        b.endNested(pi);
        if (withCounters) {
            int c = b.beginNested(Ctnetlink.CTA_COUNTERS_ORIG);
            b.attr(Ctnetlink.CTA_COUNTERS_PACKETS, ByteBuffer.allocate(8).putLong(7).array());
            b.attr(Ctnetlink.CTA_COUNTERS_BYTES, ByteBuffer.allocate(8).putLong(0x1_0000_0001L).array());
            b.endNested(c);
        }
        b.attrBe32(Ctnetlink.CTA_ID, 0xdeadbeef);
        b.attrBe16(Ctnetlink.CTA_ZONE, 7);
        byte[] labels = new byte[16];
        labels[15] = 0x2;
        b.attr(Ctnetlink.CTA_LABELS, labels);
        b.attr(99, new byte[] {1, 2, 3}); // an attribute from a newer kernel is skipped
        List<NetlinkMessage> out = new ArrayList<>();
        ByteBuffer wire = b.build(1);
        Netlink.forEachMessage(wire, m -> out.add(new NetlinkMessage(m.type(), m.flags(), m.seq(), m.portId(),
                ByteBuffer.wrap(toArray(m.payload())).order(java.nio.ByteOrder.nativeOrder()))));
        assertEquals(1, out.size());
        return out.get(0);
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @Test
    void decodesEverythingTheAgentNeeds() {
        ConntrackEvent e = Ctnetlink.decode(message(Ctnetlink.IPCTNL_MSG_CT_NEW,
                Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, true), false);
        assertEquals(ConntrackEvent.Type.NEW, e.type());
        ConntrackEntry c = e.entry();
        assertEquals(ORIG, c.original());
        assertEquals(REPLY, c.reply());
        assertTrue(c.has(ConntrackStatus.ASSURED));
        assertTrue(c.has(ConntrackStatus.OFFLOAD));
        assertTrue(c.has(ConntrackStatus.HW_OFFLOAD));
        assertFalse(c.has(ConntrackStatus.DST_NAT));
        assertTrue(c.sourceNat());
        assertFalse(c.destinationNat());
        assertEquals(0x80000001, c.mark());
        assertEquals(431999, c.timeoutSeconds());
        assertEquals(Optional.of(TcpState.ESTABLISHED), c.tcpState());
        assertEquals(new ConntrackEntry.Counters(7, 0x1_0000_0001L), c.originalCounters());
        assertEquals(ConntrackEntry.Counters.ZERO, c.replyCounters());
        assertEquals(0xdeadbeefL, c.id());
        assertEquals(7, c.zone());
        byte[] labels = new byte[16];
        labels[15] = 0x2;
        assertArrayEquals(labels, c.labels());
    }

    @Test
    void newWithoutCreateIsAnUpdateAndDeleteIsADestroy() {
        assertEquals(ConntrackEvent.Type.UPDATE,
                Ctnetlink.decode(message(Ctnetlink.IPCTNL_MSG_CT_NEW, 0, false), false).type());
        assertEquals(ConntrackEvent.Type.DUMP,
                Ctnetlink.decode(message(Ctnetlink.IPCTNL_MSG_CT_NEW, Netlink.NLM_F_MULTI, false), true).type());
        ConntrackEvent destroyed = Ctnetlink.decode(message(Ctnetlink.IPCTNL_MSG_CT_DELETE, 0, false), false);
        assertEquals(ConntrackEvent.Type.DESTROY, destroyed.type());
        assertEquals(ConntrackEntry.Counters.ZERO, destroyed.entry().originalCounters());
    }

    @Test
    void truncatedMessagesAreRejectedWithTheOffset() {
        NetlinkMessage good = message(Ctnetlink.IPCTNL_MSG_CT_NEW, 0, true);
        byte[] bytes = toArray(good.payload());
        ByteBuffer cut = ByteBuffer.wrap(java.util.Arrays.copyOf(bytes, 30)).order(java.nio.ByteOrder.nativeOrder());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ctnetlink.decode(
                new NetlinkMessage(good.type(), 0, 0, 0, cut), false));
        assertTrue(e.getMessage().contains("bytes remain"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> Ctnetlink.decode(
                new NetlinkMessage(0x0200, 0, 0, 0, ByteBuffer.allocate(4)), false), "not ctnetlink");
    }

    @Test
    void oneDecoderReadsConsecutiveMessagesInPlaceAndSharesAddresses() {
        // two messages back to back in one buffer, as in a datagram; the decoder reads them by offset
        NetlinkMessageBuilder f = new NetlinkMessageBuilder(Ctnetlink.messageType(Ctnetlink.IPCTNL_MSG_CT_NEW), 0)
                .putU8(Libc.AF_INET).putU8(0).putBe16(0);
        Ctnetlink.encodeTuple(f, Ctnetlink.CTA_TUPLE_ORIG, ORIG);
        Ctnetlink.encodeTuple(f, Ctnetlink.CTA_TUPLE_REPLY, REPLY);
        f.attrBe32(Ctnetlink.CTA_TIMEOUT, 60);
        ByteBuffer first = f.build(1);
        ConntrackTuple icmp = tuple("10.0.1.2", "10.0.2.2", ConntrackTuple.ICMP, 77, 8 << 8);
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(Ctnetlink.messageType(Ctnetlink.IPCTNL_MSG_CT_DELETE), 0)
                .putU8(Libc.AF_INET).putU8(0).putBe16(0);
        Ctnetlink.encodeTuple(b, Ctnetlink.CTA_TUPLE_ORIG, icmp);
        Ctnetlink.encodeTuple(b, Ctnetlink.CTA_TUPLE_REPLY, icmp.reversed());
        ByteBuffer second = b.build(2);
        ByteBuffer both = ByteBuffer.allocate(first.remaining() + second.remaining()).order(java.nio.ByteOrder.nativeOrder());
        both.put(first).put(second).flip();
        int secondAt = both.getInt(0);

        CtnetlinkDecoder decoder = new CtnetlinkDecoder();
        ConntrackEvent a = decoder.decode(both, both.getShort(4), both.getShort(6), 0, 16, secondAt, false);
        ConntrackEvent d = decoder.decode(both, both.getShort(secondAt + 4), 0, 9, secondAt + 16, both.limit(), false);
        assertEquals(ConntrackEvent.Type.UPDATE, a.type());
        assertEquals(ORIG, a.entry().original());
        assertEquals(60, a.entry().timeoutSeconds());
        assertEquals(ConntrackEvent.Type.DESTROY, d.type());
        assertEquals(9, d.portId());
        assertEquals(icmp, d.entry().original());
        assertEquals(icmp.reversed(), d.entry().reply());
        assertEquals(Optional.empty(), d.entry().tcpState());
        // the same bytes give the same address object (cheap equality in the agent's maps) ...
        assertTrue(a.entry().original().source() == d.entry().original().source());
        assertTrue(d.entry().original().destination() == d.entry().reply().source());
        // ... and the same result as a fresh decoder
        assertEquals(a, Ctnetlink.decode(new NetlinkMessage(a.type() == ConntrackEvent.Type.UPDATE
                ? Ctnetlink.messageType(Ctnetlink.IPCTNL_MSG_CT_NEW) : 0, 0, 0, 0,
                both.slice(16, secondAt - 16).order(java.nio.ByteOrder.nativeOrder())), false));
    }

    @Test
    void ipv6TuplesAndTruncatedNestedAttributes() {
        ConntrackTuple v6 = tuple("2001:db8::1", "2001:db8:1::2", ConntrackTuple.UDP, 5353, 53);
        NetlinkMessageBuilder b = new NetlinkMessageBuilder(Ctnetlink.messageType(Ctnetlink.IPCTNL_MSG_CT_NEW),
                Netlink.NLM_F_CREATE).putU8(Libc.AF_INET6).putU8(0).putBe16(0);
        Ctnetlink.encodeTuple(b, Ctnetlink.CTA_TUPLE_ORIG, v6);
        Ctnetlink.encodeTuple(b, Ctnetlink.CTA_TUPLE_REPLY, v6.reversed());
        ByteBuffer wire = b.build(3);
        CtnetlinkDecoder decoder = new CtnetlinkDecoder();
        ConntrackEvent e = decoder.decode(wire, wire.getShort(4), wire.getShort(6), 0, 16, wire.limit(), false);
        assertEquals(ConntrackEvent.Type.NEW, e.type());
        assertEquals(v6, e.entry().original());
        assertEquals(v6.reversed(), e.entry().reply());
        assertTrue(e.entry().original().source() == e.entry().reply().destination());
        // a nested attribute whose length runs past its parent is refused, not read beyond it
        ByteBuffer bad = ByteBuffer.allocate(wire.limit()).order(java.nio.ByteOrder.nativeOrder()).put(wire.duplicate());
        bad.putShort(16 + 4 + 4, (short) 200); // CTA_TUPLE_IP inside CTA_TUPLE_ORIG claims 200 bytes
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> decoder.decode(bad, bad.getShort(4), 0, 0, 16, bad.limit(), false));
        assertTrue(x.getMessage().contains("bytes remain"), x.getMessage());
    }

    @Test
    void timeoutUpdateIsANewWithoutCreateCarryingTheOriginalTuple() {
        ByteBuffer req = Ctnetlink.timeoutUpdateRequest(42, ORIG, 7, 120);
        List<NetlinkMessage> msgs = new ArrayList<>();
        Netlink.forEachMessage(req, msgs::add);
        NetlinkMessage m = msgs.get(0);
        assertEquals(Ctnetlink.messageType(Ctnetlink.IPCTNL_MSG_CT_NEW), m.type());
        assertEquals(Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, m.flags());
        assertEquals(42, m.seq());
        assertEquals(Libc.AF_INET, m.payload().get(0));
        var attrs = org.nftoffload.linux.netlink.NetlinkAttributes.parse(m.payload(), 4, Ctnetlink.CTA_MAX);
        assertEquals(120, attrs.be32(Ctnetlink.CTA_TIMEOUT));
        assertEquals(7, attrs.be16(Ctnetlink.CTA_ZONE));
        assertFalse(attrs.has(Ctnetlink.CTA_TUPLE_REPLY));
        assertThrows(IllegalArgumentException.class, () -> Ctnetlink.timeoutUpdateRequest(1, ORIG, 0, -1));
    }
}
