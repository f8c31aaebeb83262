package org.nftoffload.p4runtime;

import org.onosproject.net.pi.runtime.PiTableEntry;

/** Test access to ids and wire encodings, for tests outside this package that tamper with a device's tables. */
public final class FlowEntriesIds {

  private FlowEntriesIds() {}

  public static int forwardUntagV4() throws CodecException {
    return TestP4Info.index().action(org.nftoffload.p4.FlowtableP4.FlowV4.FORWARD_UNTAG.id().id()).id();
  }

  public static byte[] encode(PiTableEntry e) throws CodecException {
    return TableEntryCodec.encode(e, TestP4Info.index()).toByteArray();
  }
}
