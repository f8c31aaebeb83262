package org.nftoffload.p4runtime;

import p4.config.v1.P4InfoOuterClass.P4Info;

/** The P4Info the tests run against. */
public final class TestP4Info {

  private TestP4Info() {}

  private static final P4Info P4INFO = StandInP4Info.build();

  public static P4Info get() {
    return P4INFO;
  }

  static P4InfoIndex index() {
    return new P4InfoIndex(P4INFO);
  }
}
