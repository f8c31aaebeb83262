package org.nftoffload.flow;

/**
 * Where a flow is in its offload lifecycle (the explicit form of nf_flow_table's flag bits).
 */
public enum FlowState {
  /** Accepted from the agent; its two entries are queued or being written. */
  PENDING,
  /** Both entries are in the device: the switch forwards the connection. */
  OFFLOADED,
  /** The agent (or an operator) ended the flow; its entries are being deleted. */
  TEARDOWN,
  /** The device reported both entries idle; they are being deleted and the agent will be told. */
  HW_DYING,
  /** The entries are gone from the device; the flow is forgotten once the agent has been told. */
  HW_DEAD,
  /** The device refused the entries (table full, write error) or the flow cannot be expressed: it stays in the
   *  kernel; retried with backoff when the cause may pass. */
  REJECTED
}
