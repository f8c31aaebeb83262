package org.nftoffload.agent;

import org.nftoffload.linux.TestNamespace;

/**
 * h1 — router — h2 in three namespaces joined by veths, nftables and conntrack in the router:
 * h1 eth0 10.1.1.2 (02:00:00:01:01:02) — r1 10.1.1.1 (02:00:00:01:01:01) | router |
 * r2 10.1.2.1 (02:00:00:01:02:01) — h2 eth0 10.1.2.2 (02:00:00:01:02:02).
 * The router marks established connections (ct mark bit 0x1), masquerades to h2 port 6000 and
 * DNATs 10.1.9.100:8080 to 10.1.2.2:7000.
 */
public final class RouterLab implements AutoCloseable {
    public static final String RULESET = """
            table inet nftoffload_lab {
              chain forward {
                type filter hook forward priority 0; policy accept;
                ct state established ct mark set ct mark or 0x1
              }
              chain prerouting {
                type nat hook prerouting priority -100;
                iifname "r1" ip daddr 10.1.9.100 tcp dport 8080 dnat ip to 10.1.2.2:7000
              }
              chain postrouting {
                type nat hook postrouting priority 100;
                oifname "r2" tcp dport 6000 masquerade
              }
            }
            """;

    public final TestNamespace h1;
    public final TestNamespace router;
    public final TestNamespace h2;

    public RouterLab(int tcpEstablishedTimeoutSeconds) {
        TestNamespace a = null;
        TestNamespace r = null;
        TestNamespace b = null;
        try {
            a = TestNamespace.create("nfo-h1");
            r = TestNamespace.create("nfo-rt");
            b = TestNamespace.create("nfo-h2");
            a.exec(null, "ip", "link", "add", "eth0", "address", "02:00:00:01:01:02", "type", "veth",
                    "peer", "name", "r1", "address", "02:00:00:01:01:01", "netns", r.name());
            b.exec(null, "ip", "link", "add", "eth0", "address", "02:00:00:01:02:02", "type", "veth",
                    "peer", "name", "r2", "address", "02:00:00:01:02:01", "netns", r.name());
            a.exec(null, "ip", "addr", "add", "10.1.1.2/24", "dev", "eth0");
            a.exec(null, "ip", "link", "set", "eth0", "up");
            a.exec(null, "ip", "route", "add", "default", "via", "10.1.1.1");
            b.exec(null, "ip", "addr", "add", "10.1.2.2/24", "dev", "eth0");
            b.exec(null, "ip", "link", "set", "eth0", "up");
            b.exec(null, "ip", "route", "add", "default", "via", "10.1.2.1");
            r.exec(null, "ip", "addr", "add", "10.1.1.1/24", "dev", "r1");
            r.exec(null, "ip", "addr", "add", "10.1.2.1/24", "dev", "r2");
            r.exec(null, "ip", "link", "set", "r1", "up");
            r.exec(null, "ip", "link", "set", "r2", "up");
            r.exec(null, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            r.exec(RULESET, "nft", "-f", "-");
            r.exec(null, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_acct=1");
            r.exec(null, "sysctl", "-q", "-w",
                    "net.netfilter.nf_conntrack_tcp_timeout_established=" + tcpEstablishedTimeoutSeconds);
        } catch (RuntimeException | Error e) {
            for (TestNamespace ns : new TestNamespace[] {a, r, b}) {
                if (ns != null) {
                    ns.close();
                }
            }
            throw e;
        }
        this.h1 = a;
        this.router = r;
        this.h2 = b;
    }

    @Override
    public void close() {
        h1.close();
        router.close();
        h2.close();
    }
}
