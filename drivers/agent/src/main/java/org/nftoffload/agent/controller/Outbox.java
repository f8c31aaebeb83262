package org.nftoffload.agent.controller;

import org.nftoffload.agent.flow.DeleteReason;
import org.nftoffload.agent.flow.Flow;
import org.nftoffload.agent.flow.FlowEvents;
import org.nftoffload.agent.flow.FlowKey;
import org.nftoffload.agent.v1.FlowEvent;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded queue of flow events waiting for the controller. It never blocks the kernel event
 * loop: when it is full the event is dropped and a resync is flagged, so the controller gets the
 * full state again instead of a silent gap (the flow tracker, not the queue, is the source of truth).
 */
public final class Outbox implements FlowEvents {
    private final BlockingQueue<FlowEvent> queue;
    private final AtomicBoolean resyncNeeded = new AtomicBoolean();
    private final AtomicLong overflows = new AtomicLong();
    private final AtomicLong offered = new AtomicLong();

    public Outbox(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    @Override
    public void added(Flow flow) {
        offer(FlowEvent.newBuilder().setAdd(Messages.flowAdd(flow)).build());
    }

    @Override
    public void deleted(FlowKey key, long conntrackId, DeleteReason reason) {
        offer(FlowEvent.newBuilder().setDelete(Messages.flowDelete(key, conntrackId, reason)).build());
    }

    private void offer(FlowEvent message) {
        offered.incrementAndGet();
        if (!queue.offer(message)) {
            overflows.incrementAndGet();
            resyncNeeded.set(true);
        }
    }

    /** Asks for a full resync (the kernel side lost events, or the queue overflowed). */
    public void requestResync() {
        resyncNeeded.set(true);
    }

    /** Takes and clears the resync flag. */
    boolean takeResync() {
        return resyncNeeded.getAndSet(false);
    }

    /** Drops every queued event (a resync is about to replace them). */
    void clear() {
        queue.clear();
    }

    /** The next event, waiting up to {@code millis}; null if none. */
    FlowEvent poll(long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The next event without waiting; null if none. */
    FlowEvent poll() {
        return queue.poll();
    }

    /** Events dropped because the queue was full. */
    public long overflows() {
        return overflows.get();
    }

    /** Events offered since start. */
    public long offered() {
        return offered.get();
    }

    /** Events waiting. */
    public int size() {
        return queue.size();
    }
}
