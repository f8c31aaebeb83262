package org.nftoffload.lab;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import jdk.net.ExtendedSocketOptions;
import org.nftoffload.linux.NetworkNamespace;

/**
 * The lab's traffic: servers in h2 and clients in h1, on sockets opened inside those namespaces.
 *
 * <p>TCP protocol (ours, on both ends): the client sends {@code [u64 length][length bytes]}; the server answers
 * {@code [u16 n][SHA-256 of the bytes][peer address as text]}, so the client checks every byte arrived intact and
 * sees the address the server saw (the masquerade address when NAT applies). UDP: the server answers each datagram
 * with {@code [SHA-256][peer address]}.
 */
final class Traffic implements AutoCloseable {

  private final List<AutoCloseable> open = new ArrayList<>();

  /** What the server answered for one message. */
  record Answer(boolean intact, String peer) {}

  /** Starts a TCP server on {@code ip:port} in namespace {@code ns}, one thread per connection. */
  void tcpServer(String ns, String ip, int port) throws Exception {
    ServerSocket server = NetworkNamespace.named(ns).call(() -> new ServerSocket(port, 16, InetAddress.getByName(ip)));
    synchronized (open) {
      open.add(server);
    }
    Thread.ofPlatform().daemon().name("lab-tcp-" + port).start(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          synchronized (open) {
            open.add(s);
          }
          Thread.ofPlatform().daemon().name("lab-tcp-" + port + "-conn").start(() -> serve(s));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  private static void serve(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      byte[] buf = new byte[64 * 1024];
      while (true) {
        long length;
        try {
          length = in.readLong();
        } catch (IOException eof) {
          return;
        }
        MessageDigest sha = sha256();
        long left = length;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            return;
          }
          sha.update(buf, 0, n);
          left -= n;
        }
        byte[] peer = (((InetSocketAddress) s.getRemoteSocketAddress()).getAddress().getHostAddress() + ":"
            + s.getPort()).getBytes(StandardCharsets.UTF_8);
        byte[] digest = sha.digest();
        out.writeShort(digest.length + peer.length);
        out.write(digest);
        out.write(peer);
        out.flush();
      }
    } catch (IOException e) {
      // client went away
    }
  }

  /** Starts a UDP echo-digest server on {@code ip:port} in namespace {@code ns}. */
  void udpServer(String ns, String ip, int port) throws Exception {
    DatagramSocket socket = NetworkNamespace.named(ns).call(() -> new DatagramSocket(
        new InetSocketAddress(InetAddress.getByName(ip), port)));
    synchronized (open) {
      open.add(socket);
    }
    Thread.ofPlatform().daemon().name("lab-udp-" + port).start(() -> {
      byte[] buf = new byte[2048];
      while (!socket.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          socket.receive(p);
          MessageDigest sha = sha256();
          sha.update(p.getData(), p.getOffset(), p.getLength());
          byte[] peer = (p.getAddress().getHostAddress() + ":" + p.getPort()).getBytes(StandardCharsets.UTF_8);
          byte[] digest = sha.digest();
          byte[] answer = Arrays.copyOf(digest, digest.length + peer.length);
          System.arraycopy(peer, 0, answer, digest.length, peer.length);
          socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  /** A TCP client connection from namespace {@code ns}. */
  final class TcpClient implements AutoCloseable {
    final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;

    TcpClient(String ns, String ip, int port) throws Exception {
      socket = NetworkNamespace.named(ns).call(() -> {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(ip, port), 5_000);
        return s;
      });
      socket.setSoTimeout(30_000);
      synchronized (open) {
        open.add(socket);
      }
      out = new DataOutputStream(socket.getOutputStream());
      in = new DataInputStream(socket.getInputStream());
    }

    int localPort() {
      return socket.getLocalPort();
    }

    /** Turns on TCP keepalive probes every {@code seconds} of idleness (the application itself stays silent). */
    void keepalive(int seconds) throws IOException {
      socket.setKeepAlive(true);
      socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, seconds);
      socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, seconds);
    }

    /** Sends {@code length} seeded pseudo-random bytes and checks the server's digest of them. */
    Answer send(long length, long seed) throws IOException {
      SplittableRandom random = new SplittableRandom(seed);
      MessageDigest sha = sha256();
      byte[] buf = new byte[64 * 1024];
      out.writeLong(length);
      long left = length;
      while (left > 0) {
        int n = (int) Math.min(buf.length, left);
        random.nextBytes(buf);
        sha.update(buf, 0, n);
        out.write(buf, 0, n);
        left -= n;
      }
      out.flush();
      int n = in.readUnsignedShort();
      byte[] answer = in.readNBytes(n);
      byte[] digest = sha.digest();
      boolean intact = answer.length >= 32 && Arrays.equals(digest, Arrays.copyOf(answer, 32));
      return new Answer(intact, new String(answer, 32, Math.max(0, answer.length - 32), StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A UDP client socket in namespace {@code ns}, connected to {@code ip:port}. */
  final class UdpClient implements AutoCloseable {
    final DatagramSocket socket;

    UdpClient(String ns, String ip, int port) throws Exception {
      socket = NetworkNamespace.named(ns).call(() -> {
        DatagramSocket s = new DatagramSocket();
        s.connect(new InetSocketAddress(ip, port));
        return s;
      });
      socket.setSoTimeout(1_000);
      synchronized (open) {
        open.add(socket);
      }
    }

    int localPort() {
      return socket.getLocalPort();
    }

    /** Sends one datagram and waits for its digest (one retry); null when no answer came. */
    Answer exchange(byte[] payload) throws IOException {
      byte[] digest = sha256().digest(payload);
      for (int attempt = 0; attempt < 2; attempt++) {
        socket.send(new DatagramPacket(payload, payload.length));
        byte[] buf = new byte[512];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        }
        boolean intact = p.getLength() >= 32 && Arrays.equals(digest, Arrays.copyOf(buf, 32));
        return new Answer(intact, new String(buf, 32, Math.max(0, p.getLength() - 32), StandardCharsets.UTF_8));
      }
      return null;
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    synchronized (open) {
      for (AutoCloseable c : open) {
        try {
          c.close();
        } catch (Exception ignored) {
          // closing what is left; nothing to do about a failure here
        }
      }
      open.clear();
    }
  }

}
