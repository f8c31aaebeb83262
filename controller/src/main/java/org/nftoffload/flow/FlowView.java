package org.nftoffload.flow;

import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot of one flow for the REST API and the CLI.
 *
 * @param number the controller's number for the flow, unique while it runs (the REST id)
 * @param id identity
 * @param conntrackId the conntrack id the agent reported
 * @param state lifecycle state
 * @param device the device holding (or meant to hold) its entries; empty when it could not be placed
 * @param original the original direction
 * @param reply the reply direction
 * @param nat whether addresses or ports are rewritten
 * @param reason why it was rejected or removed; empty otherwise
 * @param retries retries after rejection so far
 * @param packets packets the hardware forwarded, both directions
 * @param bytes bytes the hardware forwarded, both directions
 * @param since when it entered its current state
 * @param lastUsed when the hardware last forwarded a packet of it, if ever
 */
public record FlowView(long number, FlowId id, long conntrackId, FlowState state, Optional<String> device, Direction original, Direction reply,
    boolean nat, Optional<String> reason, int retries, long packets, long bytes, Instant since,
    Optional<Instant> lastUsed) {}
