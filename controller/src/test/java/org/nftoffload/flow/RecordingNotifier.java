package org.nftoffload.flow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Records what the flow manager tells agents, as text lines a test can assert on. */
final class RecordingNotifier implements AgentNotifier {

  final List<String> events = new ArrayList<>();

  @Override
  public synchronized void verdict(FlowId flow, boolean offloaded, String reason) {
    events.add("verdict " + flow + " " + offloaded + (reason.isEmpty() ? "" : " " + reason));
  }

  @Override
  public synchronized void activity(FlowId flow, Instant lastUsed, long packets, long bytes) {
    events.add("activity " + flow + " " + packets + " " + bytes);
  }

  @Override
  public synchronized void removed(FlowId flow, String reason) {
    events.add("removed " + flow + " " + reason);
  }

  synchronized List<String> take() {
    List<String> out = List.copyOf(events);
    events.clear();
    return out;
  }
}
