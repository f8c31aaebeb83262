package org.nftoffload.agent.flow;

import java.util.Objects;

/** The outcome of resolving a conntrack entry into a {@link Flow}: the flow, or why there is none. */
public sealed interface Resolution {
    /** Both directions resolved. */
    record Resolved(Flow flow) implements Resolution {
        public Resolved {
            Objects.requireNonNull(flow, "flow");
        }
    }

    /**
     * Not forwardable now; {@code retry} says whether a later routing change may fix it (a neighbour
     * not yet resolved) or not (traffic to or from this host).
     */
    record Unresolved(String reason, boolean retry) implements Resolution {
        public Unresolved {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
