package org.nftoffload.softswitch.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nftoffload.p4.FlowtableP4;

/**
 * Everything the software switch can be told, as one typed tree (loaded from YAML or JSON by
 * {@link ConfigLoader}; unknown keys are refused). Settings and defaults:
 * <ul>
 *   <li>{@code listen}: host:port of the P4Runtime gRPC server; default {@code 127.0.0.1:0} (an ephemeral
 *       port on loopback; the address chosen is printed and returned by {@code SoftSwitch.address()}).</li>
 *   <li>{@code device_id}: the P4Runtime device id clients must use; default 1.</li>
 *   <li>{@code aging_interval_ms}: how often idle timeouts are checked and notifications sent (they are
 *       batched per check); default 50, at most 100.</li>
 *   <li>{@code table_sizes}: capacity per table alias ({@code acl}, {@code flow_v4}, {@code flow_v6}); a table
 *       not named keeps the size declared in the P4Info.</li>
 *   <li>{@code ports}: the port map, switch port number → Linux interface (optionally in a named network
 *       namespace), attached through AF_PACKET raw sockets. Port 255 is the CPU port and cannot be mapped.</li>
 * </ul>
 *
 * @param listen host:port of the gRPC server
 * @param deviceId P4Runtime device id
 * @param agingIntervalMs idle-timeout check period
 * @param tableSizes capacities by table alias
 * @param ports the port map
 */
@JsonAutoDetect(getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE,
    fieldVisibility = JsonAutoDetect.Visibility.NONE)
public record SoftSwitchConfig(String listen, long deviceId, int agingIntervalMs, Map<String, Integer> tableSizes,
    List<PortConfig> ports) {

  /** The table aliases {@code table_sizes} may name. */
  public static final Set<String> TABLES = Set.of("acl", "flow_v4", "flow_v6");

  @JsonCreator
  public SoftSwitchConfig(@JsonProperty("listen") String listen, @JsonProperty("device_id") Long deviceId,
      @JsonProperty("aging_interval_ms") Integer agingIntervalMs,
      @JsonProperty("table_sizes") Map<String, Integer> tableSizes, @JsonProperty("ports") List<PortConfig> ports) {
    this(listen == null ? "127.0.0.1:0" : listen, deviceId == null ? 1 : deviceId,
        agingIntervalMs == null ? 50 : agingIntervalMs, tableSizes == null ? Map.of() : tableSizes,
        ports == null ? List.of() : ports);
  }

  public SoftSwitchConfig {
    hostAndPort(listen);
    if (agingIntervalMs < 1 || agingIntervalMs > 100) {
      throw new IllegalArgumentException("aging_interval_ms must be 1..100 (notifications are batched within it), got "
          + agingIntervalMs);
    }
    for (var e : tableSizes.entrySet()) {
      if (!TABLES.contains(e.getKey())) {
        throw new IllegalArgumentException("table_sizes: unknown table \"" + e.getKey() + "\" (one of " + TABLES + ")");
      }
      if (e.getValue() == null || e.getValue() <= 0) {
        throw new IllegalArgumentException("table_sizes." + e.getKey() + " must be > 0");
      }
    }
    Set<Integer> numbers = new HashSet<>();
    for (PortConfig p : ports) {
      if (!numbers.add(p.number())) {
        throw new IllegalArgumentException("ports: port " + p.number() + " is mapped twice");
      }
    }
    tableSizes = Map.copyOf(tableSizes);
    ports = List.copyOf(ports);
  }

  /** The defaults: loopback, ephemeral port, device 1, no Linux ports. */
  public static SoftSwitchConfig defaults() {
    return new SoftSwitchConfig(null, null, null, null, null);
  }

  /** This config listening on {@code hostPort}. */
  public SoftSwitchConfig withListen(String hostPort) {
    return new SoftSwitchConfig(hostPort, deviceId, agingIntervalMs, tableSizes, ports);
  }

  /** This config with table capacities. */
  public SoftSwitchConfig withTableSizes(Map<String, Integer> sizes) {
    return new SoftSwitchConfig(listen, deviceId, agingIntervalMs, sizes, ports);
  }

  /** This config with a port map. */
  public SoftSwitchConfig withPorts(List<PortConfig> portMap) {
    return new SoftSwitchConfig(listen, deviceId, agingIntervalMs, tableSizes, portMap);
  }

  /** The host part of {@code listen}. */
  public String host() {
    return hostAndPort(listen)[0];
  }

  /** The port part of {@code listen} (0 = ephemeral). */
  public int port() {
    return Integer.parseInt(hostAndPort(listen)[1]);
  }

  private static String[] hostAndPort(String listen) {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("listen: expected host:port, got \"" + listen + "\"");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String port = listen.substring(colon + 1);
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("listen: bad port \"" + port + "\" in \"" + listen + "\"");
    }
    return new String[] {host, port};
  }

  /**
   * One entry of the port map.
   *
   * @param number switch port number (0..511 except the CPU port)
   * @param iface Linux interface name
   * @param namespace named network namespace ({@code ip netns}) of the interface, or null for the switch's own
   */
  @JsonAutoDetect(getterVisibility = JsonAutoDetect.Visibility.NONE,
      isGetterVisibility = JsonAutoDetect.Visibility.NONE, fieldVisibility = JsonAutoDetect.Visibility.NONE)
  public record PortConfig(int number, String iface, String namespace) {
    @JsonCreator
    public PortConfig(@JsonProperty(value = "number", required = true) int number,
        @JsonProperty(value = "interface", required = true) String iface,
        @JsonProperty("namespace") String namespace) {
      if (number < 0 || number >= 512 || number == FlowtableP4.CPU_PORT) {
        throw new IllegalArgumentException("ports: number " + number + " must be 0..511 and not the CPU port "
            + FlowtableP4.CPU_PORT);
      }
      if (iface == null || iface.isBlank() || iface.length() > 15 || iface.contains("/")) {
        throw new IllegalArgumentException("ports: port " + number + ": bad interface name \"" + iface + "\"");
      }
      this.number = number;
      this.iface = iface;
      this.namespace = namespace;
    }
  }
}
