package org.nftoffload.agent.flow;

import org.nftoffload.linux.conntrack.ConntrackEntry;
import org.nftoffload.linux.conntrack.ConntrackStatus;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One condition set of the offload policy (the matches of a `flow add @ft` rule): a flow matches when
 * every non-empty field matches its original direction.
 *
 * @param protocols        IP protocols, empty for any
 * @param ingressIfnames   input interfaces, empty for any
 * @param egressIfnames    output interfaces, empty for any
 * @param sources          source prefixes, empty for any
 * @param destinations     destination prefixes, empty for any
 * @param destinationPorts destination ports, empty for any
 * @param establishedOnly  require the ASSURED status bit
 */
public record PolicyRule(Set<Integer> protocols, Set<String> ingressIfnames, Set<String> egressIfnames,
                         List<Prefix> sources, List<Prefix> destinations, Set<Integer> destinationPorts,
                         boolean establishedOnly) {
    public PolicyRule {
        protocols = Set.copyOf(Objects.requireNonNull(protocols, "protocols"));
        ingressIfnames = Set.copyOf(Objects.requireNonNull(ingressIfnames, "ingressIfnames"));
        egressIfnames = Set.copyOf(Objects.requireNonNull(egressIfnames, "egressIfnames"));
        sources = List.copyOf(Objects.requireNonNull(sources, "sources"));
        destinations = List.copyOf(Objects.requireNonNull(destinations, "destinations"));
        destinationPorts = Set.copyOf(Objects.requireNonNull(destinationPorts, "destinationPorts"));
    }

    /** Whether the entry can match before its interfaces are known. */
    public boolean matchesEntry(ConntrackEntry e) {
        return (protocols.isEmpty() || protocols.contains(e.original().protocol()))
                && (!establishedOnly || e.has(ConntrackStatus.ASSURED))
                && (sources.isEmpty() || sources.stream().anyMatch(p -> p.contains(e.original().source())))
                && (destinations.isEmpty() || destinations.stream().anyMatch(p -> p.contains(e.original().destination())))
                && (destinationPorts.isEmpty() || destinationPorts.contains(e.original().destinationPort()));
    }

    /** Whether the resolved flow matches. */
    public boolean matches(Flow flow) {
        return matchesEntry(flow.entry())
                && (ingressIfnames.isEmpty() || ingressIfnames.contains(flow.original().ingress().name()))
                && (egressIfnames.isEmpty() || egressIfnames.contains(flow.original().egress().name()));
    }
}
