package org.nftoffload.nft;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One statement of a rule: a match or an action. Closed so that the planner decides for every kind what the
 * switch can do with it; statements the model does not know yet are {@link Raw} and keep their text.
 */
public sealed interface Stmt {

  /** Comparison operators of a match; text without an operator and JSON {@code in} are {@link #EQ}. */
  enum Op {
    EQ("=="), NE("!="), LT("<"), GT(">"), LE("<="), GE(">="),
    /** {@code tcp flags ! fin,syn}: none of the flags is set. */
    NOT("!");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    /** The operator for nft's symbol or word ({@code ==}, {@code eq}, {@code in}...), if any. */
    public static Optional<Op> of(String s) {
      return Optional.ofNullable(switch (s) {
        case "==", "eq", "in" -> EQ;
        case "!=", "ne" -> NE;
        case "<", "lt" -> LT;
        case ">", "gt" -> GT;
        case "<=", "le" -> LE;
        case ">=", "ge" -> GE;
        case "!" -> NOT;
        default -> null;
      });
    }
  }

  /** Verdicts: the terminal ones and the chain transfers. */
  enum VerdictKind {
    ACCEPT, DROP, CONTINUE, RETURN, JUMP, GOTO;

    public String nftName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code left op right}: {@code tcp dport 22}, {@code ip saddr != @blocked}. */
  record Match(Expr left, Op op, Expr right) implements Stmt {
    public Match {
      Objects.requireNonNull(left);
      Objects.requireNonNull(op);
      Objects.requireNonNull(right);
    }
  }

  /** {@code accept}, {@code drop}, {@code jump chain}... chain is present exactly for jump and goto. */
  record Verdict(VerdictKind kind, Optional<String> chain) implements Stmt {
    public Verdict {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(chain);
      if ((kind == VerdictKind.JUMP || kind == VerdictKind.GOTO) != chain.isPresent()) {
        throw new IllegalArgumentException(kind.nftName() + (chain.isPresent() ? " takes no chain" : " needs a chain"));
      }
    }
  }

  /** {@code key vmap @map} or {@code key vmap { k : verdict, ... }}. */
  record VerdictMap(Expr key, Expr map) implements Stmt {
    public VerdictMap {
      Objects.requireNonNull(key);
      Objects.requireNonNull(map);
    }
  }

  /** An anonymous counter (its values are run-time state and not part of the model's identity). */
  record Counter() implements Stmt {}

  /**
   * {@code limit rate [over] N/unit [burst B unit]}: unit is {@code packets} or a byte unit (bytes, kbytes, mbytes);
   * burst is normalised to nft's default (5 packets, 0 bytes) when not given.
   */
  record Limit(long rate, String unit, String per, long burst, String burstUnit, boolean over) implements Stmt {
    public Limit {
      Objects.requireNonNull(unit);
      Objects.requireNonNull(per);
      Objects.requireNonNull(burstUnit);
      if (rate < 0 || burst < 0) {
        throw new IllegalArgumentException("limit rate and burst are not negative");
      }
    }
  }

  /** {@code log [prefix ..] [level ..] [group ..] ...}: the options as nft names them. */
  record Log(Map<String, String> options) implements Stmt {
    public Log {
      options = Map.copyOf(options);
    }
  }

  /** {@code reject [with icmp|icmpv6|icmpx|tcp reset [code]]}: type and code when given. */
  record Reject(Optional<String> type, Optional<String> code) implements Stmt {
    public Reject {
      Objects.requireNonNull(type);
      Objects.requireNonNull(code);
    }
  }

  /** NAT kinds. */
  enum NatKind {
    SNAT, DNAT, MASQUERADE, REDIRECT;

    public String nftName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code snat/dnat [ip|ip6] to addr[:port]}, {@code masquerade [to :port]}, {@code redirect [to :port]}. */
  record Nat(NatKind kind, Optional<String> family, Optional<Expr> address, Optional<Expr> port, List<String> flags)
      implements Stmt {
    public Nat {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(family);
      Objects.requireNonNull(address);
      Objects.requireNonNull(port);
      flags = List.copyOf(flags);
    }
  }

  /** {@code meta mark set 1}, {@code ct mark set meta mark}, {@code ip dscp set cs1}. */
  record Mangle(Expr key, Expr value) implements Stmt {
    public Mangle {
      Objects.requireNonNull(key);
      Objects.requireNonNull(value);
    }
  }

  /** {@code flow add @ft} (also written {@code flow offload @ft}): hand the connection to a flowtable. */
  record FlowOffload(String flowtable) implements Stmt {
    public FlowOffload {
      Objects.requireNonNull(flowtable);
    }
  }

  /** {@code notrack}. */
  record Notrack() implements Stmt {}

  /** {@code add @set { key }} / {@code update @set { key }} / {@code delete @set { key }}. */
  record SetUpdate(String op, String set, Expr element) implements Stmt {
    public SetUpdate {
      if (!List.of("add", "update", "delete").contains(op)) {
        throw new IllegalArgumentException("set operation " + op);
      }
      Objects.requireNonNull(set);
      Objects.requireNonNull(element);
    }
  }

  /** {@code quota [over|until] N unit [used M unit]}: bytes. */
  record Quota(boolean over, long bytes, long used) implements Stmt {}

  /** A named stateful object used by a rule: {@code counter name "c"}, {@code quota name q}, {@code limit name l}. */
  record ObjectRef(String kind, String name) implements Stmt {
    public ObjectRef {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(name);
    }
  }

  /** {@code queue [num N[-M]] [flags]}. */
  record Queue(Optional<String> num, List<String> flags) implements Stmt {
    public Queue {
      Objects.requireNonNull(num);
      flags = List.copyOf(flags);
    }
  }

  /** {@code dup to ADDR [device DEV]} (in netdev, {@code dup to DEV}): a copy of the packet sent elsewhere. */
  record Dup(Optional<Expr> address, Optional<Expr> device) implements Stmt {
    public Dup {
      Objects.requireNonNull(address);
      Objects.requireNonNull(device);
    }
  }

  /** {@code fwd to DEV} or {@code fwd ip to ADDR device DEV}: forward out of a device (netdev ingress). */
  record Fwd(Expr device, Optional<String> family, Optional<Expr> address) implements Stmt {
    public Fwd {
      Objects.requireNonNull(device);
      Objects.requireNonNull(family);
      Objects.requireNonNull(address);
    }
  }

  /** {@code ct count [over] N}: a limit on the connections of a key. */
  record ConnLimit(long count, boolean over) implements Stmt {}

  /** {@code tproxy [ip|ip6] to [ADDR][:PORT]}: hand the packet to a local transparent socket. */
  record Tproxy(Optional<String> family, Optional<Expr> address, Optional<Expr> port) implements Stmt {
    public Tproxy {
      Objects.requireNonNull(family);
      Objects.requireNonNull(address);
      Objects.requireNonNull(port);
    }
  }

  /**
   * {@code synproxy [mss N] [wscale N] [timestamp] [sack-perm]}: answer SYNs in the kernel before a connection
   * exists (the named form is an {@link ObjectRef} of kind {@code synproxy}). Flags are sorted.
   */
  record Synproxy(java.util.OptionalLong mss, java.util.OptionalLong wscale, List<String> flags) implements Stmt {
    public Synproxy {
      Objects.requireNonNull(mss);
      Objects.requireNonNull(wscale);
      flags = List.copyOf(flags.stream().sorted().toList());
    }
  }

  /** Anything else (secmark set, meters, xt, ...): its leading keyword and source text. */
  record Raw(String keyword, String text) implements Stmt {
    public Raw {
      Objects.requireNonNull(keyword);
      Objects.requireNonNull(text);
    }
  }
}
