package org.nftoffload.device;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nftoffload.p4.FlowtablePipeline;

/**
 * Stratum on Tofino ({@code stratum_bfrt}): the device config is Stratum's {@code BfPipelineConfig} protobuf
 * ({@code stratum/hal/lib/barefoot/bf.proto}: {@code p4_name = 1}, {@code bfruntime_info = 2} (bf-rt.json),
 * {@code profiles = 3}, each with {@code profile_name = 1}, {@code context = 2} (context.json), {@code binary = 3}
 * (tofino.bin), {@code pipe_scope = 4}), built from the bf-p4c outputs the options name. Written field by field
 * here so the Stratum protos need not be on the class path. Options: {@code bfrt_json}, {@code context_json},
 * {@code tofino_bin} (paths, required), {@code cpu_port} (required: it depends on the Tofino model and port
 * configuration, e.g. 64 or 192 for the PCIe CPU port), {@code p4_name} (default {@code flowtable}),
 * {@code profile_name} (default {@code pipe}), {@code pipe_scope} (comma-separated pipes, default all).
 *
 * <p>Needs the real target: a TNA variant of the program compiled by bf-p4c (the v1model one does not run on
 * Tofino), Stratum's acceptance of the config, its port numbering (singleton port ids from its chassis config are
 * what goes in the port map), idle-timeout support of the SDE version, and table sizes after compilation (the P4Info
 * sizes are used until then). Tested here: the encoding of the config against its field layout.
 */
public final class TofinoDriver implements DeviceDriver {

  public static final String NAME = "tofino";

  private final DeviceSpec spec;
  private final byte[] config;
  private final int cpuPort;
  private final Capabilities capabilities;

  public TofinoDriver(DeviceSpec spec, FlowtablePipeline pipeline) {
    DriverOptions o = new DriverOptions(spec, Set.of("bfrt_json", "context_json", "tofino_bin", "cpu_port",
        "p4_name", "profile_name", "pipe_scope"));
    this.spec = spec;
    this.cpuPort = o.requiredInteger("cpu_port", 0, 510);
    List<Integer> scope = new ArrayList<>();
    String scopeOption = o.string("pipe_scope", "").strip();
    if (!scopeOption.isEmpty()) {
      for (String s : scopeOption.split(",")) {
        try {
          int pipe = Integer.parseInt(s.strip());
          if (pipe < 0 || pipe > 7) {
            throw new NumberFormatException();
          }
          scope.add(pipe);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("device '" + spec.name() + "': pipe_scope entry '" + s.strip()
              + "' is not a pipe number 0..7");
        }
      }
    }
    this.config = bfPipelineConfig(o.string("p4_name", "flowtable"), o.file("bfrt_json"),
        o.string("profile_name", "pipe"), o.file("context_json"), o.file("tofino_bin"), scope);
    this.capabilities = new Capabilities(true, true, false, Drivers.p4InfoTableSizes(pipeline));
  }

  /** Serialises a {@code stratum.hal.barefoot.BfPipelineConfig} with one profile. */
  static byte[] bfPipelineConfig(String p4Name, byte[] bfrt, String profileName, byte[] context, byte[] binary,
      List<Integer> pipeScope) {
    try {
      ByteArrayOutputStream profileBytes = new ByteArrayOutputStream();
      CodedOutputStream p = CodedOutputStream.newInstance(profileBytes);
      p.writeString(1, profileName);
      p.writeByteArray(2, context);
      p.writeByteArray(3, binary);
      if (!pipeScope.isEmpty()) {
        // proto3 packs repeated scalars
        int size = 0;
        for (int pipe : pipeScope) {
          size += CodedOutputStream.computeUInt32SizeNoTag(pipe);
        }
        p.writeTag(4, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
        p.writeUInt32NoTag(size);
        for (int pipe : pipeScope) {
          p.writeUInt32NoTag(pipe);
        }
      }
      p.flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CodedOutputStream c = CodedOutputStream.newInstance(out);
      c.writeString(1, p4Name);
      c.writeByteArray(2, bfrt);
      c.writeByteArray(3, profileBytes.toByteArray());
      c.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte[] deviceConfig() {
    return config.clone();
  }

  @Override
  public int cpuPort() {
    return cpuPort;
  }

  @Override
  public Map<String, Integer> ports() {
    return spec.ports();
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }
}
