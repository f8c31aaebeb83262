package org.nftoffload.agent.controller;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.nftoffload.agent.flow.Flow;
import org.nftoffload.agent.flow.FlowResolver;
import org.nftoffload.agent.flow.Resolution;
import org.nftoffload.agent.flow.TestFlows;
import org.nftoffload.agent.v1.FlowAdd;
import org.nftoffload.linux.conntrack.ConntrackTuple;
import org.nftoffload.linux.conntrack.TcpState;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FlowAdd as the controller decodes it from the wire: names, MACs, addresses and NAT. */
class MessagesTest {
    private static Flow flow(ConntrackTuple original, ConntrackTuple reply) {
        return assertInstanceOf(Resolution.Resolved.class, new FlowResolver(new TestFlows.FakeRouting())
                .resolve(TestFlows.entry(5, original, reply, 1, TcpState.ESTABLISHED, 300))).flow();
    }

    @Test
    void flowAddSurvivesTheWireWithNamesMacsAndAddresses() throws Exception {
        ConntrackTuple toVlan = TestFlows.tuple("10.1.1.2", 40001, "10.1.3.9", 443);
        FlowAdd add = FlowAdd.parseFrom(Messages.flowAdd(flow(toVlan, toVlan.reversed())).toByteArray());
        assertEquals("r1", add.getOriginal().getIngressIfname());
        assertEquals("r2.7", add.getOriginal().getEgressIfname());
        assertEquals("r2", add.getOriginal().getEgressLowerIfname());
        assertEquals("", add.getOriginal().getIngressLowerIfname());
        assertEquals(7, add.getOriginal().getEgressVlan());
        assertEquals(ByteString.copyFrom(TestFlows.GW_MAC.bytes()), add.getOriginal().getDestinationMac());
        assertEquals(ByteString.copyFrom(TestFlows.R2_VLAN.mac().bytes()), add.getOriginal().getSourceMac());
        assertEquals("r2.7", add.getReply().getIngressIfname());
        assertEquals(ByteString.copyFrom(TestFlows.H1_MAC.bytes()), add.getReply().getDestinationMac());
        assertEquals(ByteString.copyFrom(new byte[] {10, 1, 1, 2}), add.getOriginal().getTuple().getSource());
        assertEquals(ByteString.copyFrom(new byte[] {10, 1, 3, 9}), add.getOriginal().getTuple().getDestination());
        assertEquals(443, add.getOriginal().getTuple().getDestinationPort());
        assertEquals(toVlan, Messages.tuple(add.getReply().getTuple()).reversed());
        assertFalse(add.getNat().getSource());
        assertFalse(add.getNat().getDestination());
        assertEquals(5, add.getConntrackId());
        assertEquals(1, add.getMark());
        assertEquals(300, add.getTimeoutSeconds());
    }

    @Test
    void natIsReadFromTheTuples() throws Exception {
        ConntrackTuple orig = TestFlows.tuple("10.1.1.2", 40002, "10.1.2.2", 80);
        ConntrackTuple reply = TestFlows.tuple("10.1.2.2", 80, "10.1.2.1", 61000);
        FlowAdd add = FlowAdd.parseFrom(Messages.flowAdd(flow(orig, reply)).toByteArray());
        assertTrue(add.getNat().getSource());
        assertFalse(add.getNat().getDestination());
        assertEquals(ByteString.copyFrom(new byte[] {10, 1, 2, 1}), add.getNat().getSourceAddress());
        assertEquals(61000, add.getNat().getSourcePort());
    }
}
