package org.nftoffload.bench;

/** Placeholder main while the load generator is written. */
public final class InstallRateBench {

  private InstallRateBench() {}

  public static void main(String[] args) {
    System.out.println("install-rate benchmark: not written yet");
  }
}
