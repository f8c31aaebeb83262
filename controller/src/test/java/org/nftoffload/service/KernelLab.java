package org.nftoffload.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.nftoffload.linux.TestNamespace;

/**
 * h1 — router — h2 in three namespaces joined by veths, for end-to-end tests of the controller with the real kernel
 * agent: h1 eth0 10.1.1.2 (02:00:00:01:01:02) — r1 10.1.1.1 (02:00:00:01:01:01) | router | r2 10.1.2.1
 * (02:00:00:01:02:01) — h2 eth0 10.1.2.2 (02:00:00:01:02:02). The router marks established connections (ct mark bit
 * 0x1, what the agent selects in MARK_BIT mode) and masquerades TCP to port 6000 leaving on r2. h2 runs a TCP echo
 * server on 10.1.2.2:6000.
 */
final class KernelLab implements AutoCloseable {

  static final String H1_MAC = "02:00:00:01:01:02";
  static final String R1_MAC = "02:00:00:01:01:01";
  static final String R2_MAC = "02:00:00:01:02:01";
  static final String H2_MAC = "02:00:00:01:02:02";
  static final int ECHO_PORT = 6000;

  static final String RULESET = """
      table inet nftoffload_e2e {
        chain forward {
          type filter hook forward priority 0; policy accept;
          ct state established ct mark set ct mark or 0x1
        }
        chain postrouting {
          type nat hook postrouting priority 100;
          oifname "r2" tcp dport 6000 masquerade
        }
      }
      """;

  final TestNamespace h1;
  final TestNamespace router;
  final TestNamespace h2;
  private final ServerSocket echo;
  private final List<Socket> accepted = new ArrayList<>();

  KernelLab() throws Exception {
    TestNamespace a = null;
    TestNamespace r = null;
    TestNamespace b = null;
    ServerSocket server = null;
    try {
      a = TestNamespace.create("nfo-e2e-h1");
      r = TestNamespace.create("nfo-e2e-rt");
      b = TestNamespace.create("nfo-e2e-h2");
      a.exec(null, "ip", "link", "add", "eth0", "address", H1_MAC, "type", "veth", "peer", "name", "r1", "address",
          R1_MAC, "netns", r.name());
      b.exec(null, "ip", "link", "add", "eth0", "address", H2_MAC, "type", "veth", "peer", "name", "r2", "address",
          R2_MAC, "netns", r.name());
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
      server = b.namespace().call(() -> new ServerSocket(ECHO_PORT, 50, InetAddress.getByName("10.1.2.2")));
    } catch (Exception | Error e) {
      if (server != null) {
        server.close();
      }
      for (TestNamespace ns : new TestNamespace[] {a, r, b}) {
        if (ns != null) {
          ns.close();
        }
      }
      throw e;
    }
    h1 = a;
    router = r;
    h2 = b;
    echo = server;
    Thread.ofPlatform().daemon().name("e2e-echo").start(this::serveEcho);
  }

  private void serveEcho() {
    while (!echo.isClosed()) {
      try {
        Socket s = echo.accept();
        synchronized (accepted) {
          accepted.add(s);
        }
        Thread.ofPlatform().daemon().start(() -> {
          try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[1024];
            int n;
            while ((n = in.read(buf)) > 0) {
              out.write(buf, 0, n);
            }
          } catch (IOException ignored) {
            // the client went away
          }
        });
      } catch (IOException e) {
        return;
      }
    }
  }

  /** A TCP connection h1 → h2:6000 through the router, one line echoed so conntrack sees it established. */
  Socket connect() throws Exception {
    Socket s = h1.namespace().call(() -> {
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress("10.1.2.2", ECHO_PORT), 5000);
      return socket;
    });
    s.setSoTimeout(5000);
    s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
    byte[] back = s.getInputStream().readNBytes(6);
    if (!"hello\n".equals(new String(back, StandardCharsets.US_ASCII))) {
      throw new AssertionError("echo through the router failed: " + new String(back, StandardCharsets.US_ASCII));
    }
    // a second exchange: the first reply makes the connection established, this one carries the ct mark
    s.getOutputStream().write("again\n".getBytes(StandardCharsets.US_ASCII));
    s.getInputStream().readNBytes(6);
    return s;
  }

  /** Ends a connection from h1 with FIN and waits for the echo server's FIN. */
  static void finish(Socket s) throws IOException {
    s.shutdownOutput();
    if (s.getInputStream().read() != -1) {
      throw new AssertionError("data after FIN");
    }
    s.close();
  }

  @Override
  public void close() {
    try {
      echo.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    synchronized (accepted) {
      for (Socket s : accepted) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
    h1.close();
    router.close();
    h2.close();
  }
}
