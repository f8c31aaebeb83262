package org.nftoffload.agentendpoint;

/**
 * A connected agent as the REST API shows it.
 *
 * @param id the agent's id from Hello
 * @param host its host name
 * @param namespace the network namespace it watches
 * @param version its software version
 * @param remote the peer address of its stream
 * @param connectedSince when its current stream was accepted (ISO-8601)
 * @param flowAdds FlowAdd messages received on this stream
 * @param flowDeletes FlowDelete messages received on this stream
 * @param resyncs complete resyncs received on this stream
 */
public record AgentView(String id, String host, String namespace, String version, String remote,
    String connectedSince, long flowAdds, long flowDeletes, long resyncs) {}
