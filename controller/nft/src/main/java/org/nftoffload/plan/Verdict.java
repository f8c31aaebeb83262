package org.nftoffload.plan;

/** What the switch does with a rule. */
public enum Verdict {
  /** Entirely in the switch. */
  OFFLOADED,
  /** Partly in the switch; the reasons say what stays in the kernel. */
  PARTIAL,
  /** Only the kernel evaluates it. */
  KERNEL_ONLY
}
