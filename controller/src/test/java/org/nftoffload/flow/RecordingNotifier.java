package org.nftoffload.flow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Records what the flow manager tells agents, as text lines a test can assert on. */
final class RecordingNotifier implements AgentNotifier {

  final List<String> events = new ArrayList<>();

  @Override
  public synchronized void verdict(FlowId flow, long ct, boolean offloaded, String reason) {
    events.add("verdict " + name(flow, ct) + " " + offloaded + (reason.isEmpty() ? "" : " " + reason));
  }

  @Override
  public synchronized void activity(FlowId flow, long ct, Instant lastUsed, long packets, long bytes) {
    events.add("activity " + name(flow, ct) + " " + packets + " " + bytes);
  }

  @Override
  public synchronized void removed(FlowId flow, long ct, String reason) {
    events.add("removed " + name(flow, ct) + " " + reason);
  }

  private static String name(FlowId flow, long conntrackId) {
    return flow.agent() + "/" + flow.zone() + "/" + conntrackId;
  }

  synchronized List<String> take() {
    List<String> out = List.copyOf(events);
    events.clear();
    return out;
  }
}
