package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackStatus;

import java.util.List;
import java.util.Objects;

/**
 * Decides which conntrack entries are connections the kernel chose to offload. {@link #candidate} is
 * asked first, on the bare entry (cheap, before any route lookup); {@link #accepts} then on the
 * resolved flow.
 */
public sealed interface FlowSelector {
    /** Whether the entry may be selected. */
    boolean candidate(ConntrackEntry entry);

    /** Whether the resolved flow is selected. */
    default boolean accepts(Flow flow) {
        return true;
    }

    /** Selects entries with the OFFLOAD or HW_OFFLOAD status bit: the kernel put them in a flowtable. */
    record OffloadBit() implements FlowSelector {
        @Override
        public boolean candidate(ConntrackEntry entry) {
            return entry.has(ConntrackStatus.OFFLOAD) || entry.has(ConntrackStatus.HW_OFFLOAD);
        }
    }

    /** Selects entries whose ct mark has any bit of {@code mask}, set by an nft rule. */
    record MarkBit(int mask) implements FlowSelector {
        public MarkBit {
            if (mask == 0) {
                throw new IllegalArgumentException("mark mask must not be 0");
            }
        }

        @Override
        public boolean candidate(ConntrackEntry entry) {
            return (entry.mark() & mask) != 0;
        }
    }

    /** Selects flows matching any rule of the controller's offload policy; none before a policy arrives. */
    record Policy(List<PolicyRule> rules) implements FlowSelector {
        public Policy {
            rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
        }

        @Override
        public boolean candidate(ConntrackEntry entry) {
            return rules.stream().anyMatch(r -> r.matchesEntry(entry));
        }

        @Override
        public boolean accepts(Flow flow) {
            return rules.stream().anyMatch(r -> r.matches(flow));
        }
    }
}
