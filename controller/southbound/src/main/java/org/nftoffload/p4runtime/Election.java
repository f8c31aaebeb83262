package org.nftoffload.p4runtime;

/**
 * The election id a client currently uses, shared by its parts: the stream announces it, writes and pipeline
 * pushes carry it. It changes when the controller re-announces with a higher id to take over a device whose
 * primary went away (P4Runtime gives the role to an id at least as high as the highest seen).
 */
final class Election {

  private volatile ElectionId current;

  Election(ElectionId initial) {
    this.current = initial;
  }

  ElectionId get() {
    return current;
  }

  void set(ElectionId id) {
    current = id;
  }
}
