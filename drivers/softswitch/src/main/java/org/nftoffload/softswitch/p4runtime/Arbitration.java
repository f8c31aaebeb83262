package org.nftoffload.softswitch.p4runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import p4.v1.P4RuntimeOuterClass.Uint128;

/**
 * Primary election per role (P4Runtime spec, "Client Arbitration and Controller Replication"): every stream
 * declares a role and an election id; a stream whose id is at least the highest the server has seen for the role
 * becomes the primary, the others are backups. Ids are unique among a role's live streams; a stream without an
 * election id is a backup that never becomes primary. When the primary's stream ends (or it steps down) the role
 * has no primary until a client arrives or re-announces itself with an id at least as high as the highest seen.
 * Thread-safe.
 *
 * @param <S> the stream type
 */
public final class Arbitration<S> {

  /** An election id as an unsigned 128-bit number. */
  public record ElectionId(long high, long low) implements Comparable<ElectionId> {
    public static ElectionId of(Uint128 id) {
      return new ElectionId(id.getHigh(), id.getLow());
    }

    public Uint128 toProto() {
      return Uint128.newBuilder().setHigh(high).setLow(low).build();
    }

    @Override
    public int compareTo(ElectionId o) {
      int c = Long.compareUnsigned(high, o.high);
      return c != 0 ? c : Long.compareUnsigned(low, o.low);
    }
  }

  /**
   * What a stream should be told after an arbitration change.
   *
   * @param electionId the highest id seen for the role, null if the role never had a primary
   */
  public record Notice<S>(S stream, long roleId, ElectionId electionId, boolean primary, boolean primaryExists) {}

  private static final class Role<S> {
    final Map<S, ElectionId> members = new LinkedHashMap<>();
    ElectionId highest;
    S primary;
  }

  private final Map<Long, Role<S>> roles = new HashMap<>();
  private final Map<S, Long> roleOf = new HashMap<>();

  /**
   * A stream (new or known) announces {@code electionId} (null: unset) for {@code roleId}. Returns the notices to
   * send: every member of the role when the primary changed, else the announcing stream only. Fails with
   * FAILED_PRECONDITION when a live stream changes its role and INVALID_ARGUMENT when another live stream of the
   * role uses the id; the caller then ends the stream.
   */
  public synchronized List<Notice<S>> announce(S stream, long roleId, ElectionId electionId)
      throws P4RuntimeException {
    Long previousRole = roleOf.get(stream);
    if (previousRole != null && previousRole != roleId) {
      throw new P4RuntimeException(io.grpc.Status.Code.FAILED_PRECONDITION, "a stream cannot change its role (was "
          + previousRole + ", now " + roleId + "): open a new stream");
    }
    Role<S> role = roles.computeIfAbsent(roleId, r -> new Role<>());
    if (electionId != null) {
      for (var m : role.members.entrySet()) {
        if (m.getKey() != stream && electionId.equals(m.getValue())) {
          throw P4RuntimeException.invalid("election id " + electionId.high() + ":" + electionId.low()
              + " is already used by another stream of role " + roleId);
        }
      }
    }
    S before = role.primary;
    role.members.put(stream, electionId);
    roleOf.put(stream, roleId);
    if (electionId != null && (role.highest == null || electionId.compareTo(role.highest) >= 0)) {
      role.highest = electionId;
      role.primary = stream;
    } else if (role.primary == stream) {
      role.primary = null; // the primary stepped down
    }
    return notices(role, roleId, before != role.primary ? null : stream);
  }

  /** A stream ended; returns the notices for the remaining members when it was the primary. */
  public synchronized List<Notice<S>> remove(S stream) {
    Long roleId = roleOf.remove(stream);
    if (roleId == null) {
      return List.of();
    }
    Role<S> role = roles.get(roleId);
    role.members.remove(stream);
    if (role.primary == stream) {
      role.primary = null;
      return notices(role, roleId, null);
    }
    return List.of();
  }

  private List<Notice<S>> notices(Role<S> role, long roleId, S only) {
    List<Notice<S>> out = new ArrayList<>();
    ElectionId shown = role.highest;
    for (S s : role.members.keySet()) {
      if (only == null || s == only) {
        out.add(new Notice<>(s, roleId, shown, s == role.primary, role.primary != null));
      }
    }
    return out;
  }

  /** True if {@code electionId} is the current primary's for the role. */
  public synchronized boolean isPrimary(long roleId, ElectionId electionId) {
    Role<S> role = roles.get(roleId);
    return role != null && role.primary != null && electionId.equals(role.members.get(role.primary));
  }

  /** True if {@code stream} is a primary. */
  public synchronized boolean isPrimary(S stream) {
    Long roleId = roleOf.get(stream);
    return roleId != null && roles.get(roleId).primary == stream;
  }

  /** The primary streams of every role. */
  public synchronized List<S> primaries() {
    return roles.values().stream().filter(r -> r.primary != null).map(r -> r.primary).toList();
  }
}
