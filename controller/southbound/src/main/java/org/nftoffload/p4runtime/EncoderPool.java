package org.nftoffload.p4runtime;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Request encoders lent to one caller at a time. Each keeps 64 KiB and more of scratch, so it is reused, not made per
 * call; a ThreadLocal is not enough, since the common fork-join pool's workers drop their thread-locals after every
 * task (that made one encoder per write: 66 KB of garbage per call, measured).
 */
final class EncoderPool {

  private static final int MAX_IDLE = 16;

  private final P4InfoIndex index;
  private final ConcurrentLinkedQueue<WriteRequestEncoder> idle = new ConcurrentLinkedQueue<>();

  EncoderPool(P4InfoIndex index) {
    this.index = index;
  }

  WriteRequestEncoder borrow() {
    WriteRequestEncoder e = idle.poll();
    return e != null ? e : new WriteRequestEncoder(index);
  }

  void giveBack(WriteRequestEncoder e) {
    if (idle.size() < MAX_IDLE) {
      idle.offer(e);
    }
  }
}
