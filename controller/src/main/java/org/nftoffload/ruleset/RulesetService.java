package org.nftoffload.ruleset;

import com.google.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.nftoffload.agentendpoint.AgentEndpoint;
import org.nftoffload.config.ControllerConfig;
import org.nftoffload.device.Device;
import org.nftoffload.nft.NftFrontEnd;
import org.nftoffload.nft.NftParseException;
import org.nftoffload.nft.Ruleset;
import org.nftoffload.p4runtime.RpcCode;
import org.nftoffload.p4runtime.TableUpdate;
import org.nftoffload.p4runtime.UpdateResult;
import org.nftoffload.p4runtime.UpdateType;
import org.nftoffload.p4runtime.WriteResult;
import org.nftoffload.plan.AclEntry;
import org.nftoffload.plan.DevicePortMap;
import org.nftoffload.plan.Plan;
import org.nftoffload.plan.PlanDiff;
import org.nftoffload.plan.Planner;
import org.nftoffload.plan.PlannerOptions;
import org.nftoffload.service.ManagedDevices;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ruleset in force and how it changes: a new ruleset is parsed and validated, planned once per device (each
 * device sees the interfaces that are its ports) against the plan running there (rules that stay keep their ACL
 * priorities, so the diff holds the edited rules' entries only), then written to every device's ACL and sent to
 * every agent as its offload policy. If a device refuses any update the devices already changed are put back, so
 * the previous ruleset stays in force everywhere; agents are only told once every device took it.
 */
public final class RulesetService {

  private static final Logger log = LoggerFactory.getLogger(RulesetService.class);

  /** Class-path location of the example ruleset {@code serve} applies by default. */
  public static final String EXAMPLE_RESOURCE = "/org/nftoffload/ruleset/example.nft";

  private static final Plan EMPTY = new Plan(List.of(), List.of(), List.of(), List.of());

  /**
   * A ruleset in force.
   *
   * @param version increases with every applied change
   * @param name where it came from (file name, "rest", "example")
   * @param text its text as given
   * @param ruleset the parsed model
   * @param plans plan per device
   * @param policyNotes conditions of flow-add rules the agent policy cannot carry
   * @param appliedAt when it was applied
   */
  public record Applied(long version, String name, String text, Ruleset ruleset, Map<String, Plan> plans,
      List<String> policyNotes, Instant appliedAt) {}

  /** A computed change: the ruleset it leads to and the diff per device. */
  public record Change(Applied next, Map<String, PlanDiff> diffs) {}

  private final ControllerConfig config;
  private final ManagedDevices devices;
  private final AgentEndpoint agents;
  private final Clock clock;
  private Applied current;
  private Change initial;

  @Inject
  public RulesetService(ControllerConfig config, ManagedDevices devices, AgentEndpoint agents, Clock clock) {
    this.config = config;
    this.devices = devices;
    this.agents = agents;
    this.clock = clock;
  }

  public synchronized Optional<Applied> current() {
    return Optional.ofNullable(current);
  }

  /** Parses, validates, plans and diffs {@code text} against what runs; changes nothing (the dry run). */
  public synchronized Change plan(String name, String text) throws RulesetException {
    Ruleset rs;
    try {
      rs = NftFrontEnd.read(name, text);
    } catch (NftParseException e) {
      throw new RulesetException(RulesetException.Kind.INVALID, e.getMessage(), Optional.of(e.position()));
    }
    return change(name, text, rs);
  }

  private Change change(String name, String text, Ruleset rs) {
    Map<String, Plan> plans = new LinkedHashMap<>();
    Map<String, PlanDiff> diffs = new LinkedHashMap<>();
    List<org.nftoffload.plan.OffloadPolicy> policies = new ArrayList<>();
    for (ControllerConfig.Device d : config.devices()) {
      // planned against the plan in force, so that unchanged rules keep their entries' priorities (a priority is
      // part of a P4Runtime entry's key): a rule edited mid-chain rewrites that rule's entries, not the chain's tail
      Plan inForce = current == null ? EMPTY : current.plans().getOrDefault(d.name(), EMPTY);
      Plan p = new Planner(portMap(d.name()), PlannerOptions.defaults()).plan(rs, inForce);
      plans.put(d.name(), p);
      diffs.put(d.name(), PlanDiff.between(inForce, p));
      if (policies.isEmpty()) {
        policies.addAll(p.offload());
      }
    }
    List<String> notes = PolicyMessages.convert(policies).dropped();
    long version = current == null ? 1 : current.version() + 1;
    return new Change(new Applied(version, name, text, rs, plans, notes, clock.instant()), diffs);
  }

  /** Applies {@code text} everywhere, or nowhere; returns the change made (the diff is the one written). */
  public synchronized Change apply(String name, String text) throws RulesetException {
    Change c = plan(name, text);
    commit(c);
    return c;
  }

  /** Removes the ruleset: the ACLs are emptied and agents get an empty policy. */
  public synchronized void clear() throws RulesetException {
    Map<String, PlanDiff> diffs = new LinkedHashMap<>();
    Map<String, Plan> plans = new LinkedHashMap<>();
    for (ControllerConfig.Device d : config.devices()) {
      diffs.put(d.name(), PlanDiff.between(current == null ? EMPTY : current.plans().getOrDefault(d.name(), EMPTY),
          EMPTY));
      plans.put(d.name(), EMPTY);
    }
    write(diffs);
    agents.policy(org.nftoffload.agent.v1.OffloadPolicy.getDefaultInstance());
    current = null;
    log.info("ruleset removed");
  }

  private void commit(Change c) throws RulesetException {
    write(c.diffs());
    PolicyMessages.Converted policy = PolicyMessages.convert(c.next().plans().values().stream().findFirst()
        .map(Plan::offload).orElse(List.of()));
    agents.policy(policy.policy());
    current = c.next();
    log.info("ruleset v{} ({}) applied: {}", current.version(), current.name(), summary(c));
  }

  private static String summary(Change c) {
    StringBuilder b = new StringBuilder();
    c.diffs().forEach((d, diff) -> b.append(d).append(" +").append(diff.inserts().size()).append(" ~")
        .append(diff.modifies().size()).append(" -").append(diff.deletes().size()).append(' '));
    return b.toString().strip();
  }

  /**
   * Writes per-device diffs; on the first refusal puts back every device touched (the refusing one included: the
   * updates before the refused one were applied) and throws, naming the device.
   */
  private void write(Map<String, PlanDiff> diffs) throws RulesetException {
    List<String> touched = new ArrayList<>();
    for (var e : diffs.entrySet()) {
      touched.add(e.getKey());
      Optional<String> failure = writePhases(e.getKey(), forward(e.getValue()));
      if (failure.isPresent()) {
        List<String> notRestored = new ArrayList<>();
        for (String d : touched) {
          Optional<String> back = writePhases(d, backward(diffs.get(d)));
          if (back.isPresent()) {
            log.error("device '{}': rollback incomplete: {}", d, back.get());
            notRestored.add("'" + d + "' (" + back.get() + ")");
          }
        }
        throw new RulesetException(RulesetException.Kind.DEVICE, "device '" + e.getKey() + "' refused the change ("
            + failure.get() + "); " + (notRestored.isEmpty() ? "the previous ruleset is still in force"
            : "putting the previous ruleset back failed on " + String.join(", ", notRestored)
            + ": those devices are repaired by reconciliation"), Optional.empty());
      }
    }
  }

  /**
   * Writes a device's updates in three phases, each waited for: deletes, then modifies, then inserts. A device may
   * apply the batches of one write in any order, so in one list an insert could land before the delete that makes
   * room for it, and a full table would refuse a change that fits.
   */
  private Optional<String> writePhases(String device, List<List<TableUpdate>> phases) {
    for (List<TableUpdate> phase : phases) {
      Optional<String> failure = writeOne(device, phase);
      if (failure.isPresent()) {
        return failure;
      }
    }
    return Optional.empty();
  }

  private Optional<String> writeOne(String device, List<TableUpdate> updates) {
    if (updates.isEmpty()) {
      return Optional.empty();
    }
    Optional<Device> d = devices.manager().device(device);
    if (d.isEmpty()) {
      return Optional.of("device not started");
    }
    WriteResult r;
    try {
      r = d.get().apply(updates).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Optional.of(e.toString());
    }
    for (UpdateResult u : r.results()) {
      // idempotent: an insert of what is there or a delete of what is gone leaves the wanted state
      // UNAVAILABLE: the device is away; the update is in its desired state and reconciliation installs it on return
      boolean fine = u.ok() || (u.update().type() == UpdateType.INSERT && u.code() == RpcCode.ALREADY_EXISTS)
          || (u.update().type() == UpdateType.DELETE && u.code() == RpcCode.NOT_FOUND)
          || u.code() == RpcCode.UNAVAILABLE;
      if (!fine) {
        return Optional.of(u.update().type() + " " + u.code() + (u.message().isEmpty() ? "" : ": " + u.message()));
      }
    }
    return Optional.empty();
  }

  /** Deletes, modifies, inserts: the order that never needs more room than the device has. */
  private static List<List<TableUpdate>> forward(PlanDiff d) {
    return List.of(
        d.deletes().stream().map(e -> TableUpdate.delete(e.entry())).toList(),
        d.modifies().stream().map(m -> TableUpdate.modify(m.after().entry())).toList(),
        d.inserts().stream().map(e -> TableUpdate.insert(e.entry())).toList());
  }

  /** The reverse change in the same room-saving order: what was inserted goes first, what was deleted comes last. */
  private static List<List<TableUpdate>> backward(PlanDiff d) {
    return List.of(
        d.inserts().stream().map(e -> TableUpdate.delete(e.entry())).toList(),
        d.modifies().stream().map(m -> TableUpdate.modify(m.before().entry())).toList(),
        d.deletes().stream().map(e -> TableUpdate.insert(e.entry())).toList());
  }

  /** Which of the configured interfaces are ports of {@code device}. */
  private DevicePortMap portMap(String device) {
    Map<String, Integer> ports = new HashMap<>();
    ControllerConfig.Device d = config.devices().stream().filter(x -> x.name().equals(device)).findFirst()
        .orElseThrow();
    config.interfaces().forEach((ifname, a) -> {
      if (a.device().equals(device)) {
        ports.put(ifname, d.ports().get(a.port()));
      }
    });
    return DevicePortMap.of(ports);
  }

  // ---------------------------------------------------------------- start

  /** The ACL entries of the configured ruleset for a device: seeded as desired state before it connects. */
  public synchronized List<PiTableEntry> initialAcl(String device) throws RulesetException {
    Change c = initialChange();
    if (c == null) {
      return List.of();
    }
    Plan p = c.next().plans().get(device);
    return p == null ? List.of() : p.acl().stream().map(AclEntry::entry).toList();
  }

  /** Applies the configured ruleset (config {@code ruleset.file}; the example when absent; none for "none"). */
  public synchronized void applyInitial() throws RulesetException {
    Change c = initialChange();
    if (c != null) {
      commit(c);
    }
  }

  private Change initialChange() throws RulesetException {
    if (initial == null) {
      Optional<String[]> source = initialSource(config.ruleset());
      if (source.isEmpty()) {
        return null;
      }
      initial = plan(source.get()[0], source.get()[1]);
    }
    return initial;
  }

  /** Name and text of the configured initial ruleset. */
  public static Optional<String[]> initialSource(ControllerConfig.RulesetSource source) throws RulesetException {
    if ("none".equals(source.file())) {
      return Optional.empty();
    }
    if (source.file() == null) {
      try (InputStream in = RulesetService.class.getResourceAsStream(EXAMPLE_RESOURCE)) {
        if (in == null) {
          throw new RulesetException(RulesetException.Kind.INVALID, "example ruleset missing from the class path",
              Optional.empty());
        }
        return Optional.of(new String[] {"example.nft", new String(in.readAllBytes(), StandardCharsets.UTF_8)});
      } catch (IOException e) {
        throw new RulesetException(RulesetException.Kind.INVALID, "example ruleset: " + e.getMessage(),
            Optional.empty());
      }
    }
    try {
      return Optional.of(new String[] {source.file(), Files.readString(Path.of(source.file()))});
    } catch (IOException e) {
      throw new RulesetException(RulesetException.Kind.INVALID, "ruleset.file " + source.file() + ": cannot read ("
          + e.getMessage() + ")", Optional.empty());
    }
  }
}
