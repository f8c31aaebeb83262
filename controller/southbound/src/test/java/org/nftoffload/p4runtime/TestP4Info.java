package org.nftoffload.p4runtime;

import p4.config.v1.P4InfoOuterClass.P4Info;

/** The checked-in P4Info, which the tests run against. */
public final class TestP4Info {

  private TestP4Info() {}

  private static final org.nftoffload.p4.FlowtablePipeline PIPELINE = org.nftoffload.p4.FlowtablePipeline.load();
  private static final P4Info P4INFO = PIPELINE.p4Info();

  public static org.nftoffload.p4.FlowtablePipeline pipeline() {
    return PIPELINE;
  }

  public static P4Info get() {
    return P4INFO;
  }

  static P4InfoIndex index() {
    return new P4InfoIndex(P4INFO);
  }
}
