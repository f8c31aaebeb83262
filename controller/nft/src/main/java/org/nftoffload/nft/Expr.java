package org.nftoffload.nft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An nftables expression: what a match compares, what a statement sets, what a set holds. Closed so that the
 * planner's {@code switch} over it is exhaustive; a construct the model does not know yet is a {@link Raw} that
 * keeps its text, so valid input is never refused. Literal values are kept in the canonical form nft's JSON
 * prints (numbers in decimal, strings unquoted) so that text and JSON input give equal models.
 */
public sealed interface Expr {

  /** A header field: {@code ip saddr}, {@code tcp dport}, {@code vlan id}, {@code th dport}. */
  record Payload(String protocol, String field) implements Expr {
    public Payload {
      Objects.requireNonNull(protocol);
      Objects.requireNonNull(field);
    }
  }

  /** Packet metadata: {@code meta l4proto}, {@code iifname}, {@code mark}. */
  record Meta(String key) implements Expr {
    public Meta {
      Objects.requireNonNull(key);
    }
  }

  /** Connection tracking: {@code ct state}, {@code ct original saddr}. Direction is empty when not given. */
  record Ct(String key, Optional<String> direction) implements Expr {
    public Ct {
      Objects.requireNonNull(key);
      Objects.requireNonNull(direction);
    }
  }

  /** A FIB lookup: {@code fib daddr . iif type}: flags (saddr/daddr/iif/oif/mark) and the result. */
  record Fib(List<String> flags, String result) implements Expr {
    public Fib {
      flags = List.copyOf(flags);
      Objects.requireNonNull(result);
    }
  }

  /** Routing information: {@code rt mtu}, {@code rt nexthop}, {@code rt classid}. */
  record Rt(String key) implements Expr {
    public Rt {
      Objects.requireNonNull(key);
    }
  }

  /** {@code numgen inc|random mod N [offset M]}: a number generator, mostly as a map key for load balancing. */
  record Numgen(String mode, long mod, long offset) implements Expr {
    public Numgen {
      Objects.requireNonNull(mode);
    }
  }

  /** {@code jhash EXPR mod N [seed S] [offset M]} or {@code symhash mod N [offset M]}. */
  record Hash(String kind, Optional<Expr> input, long mod, long seed, long offset) implements Expr {
    public Hash {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(input);
    }
  }

  /** A single value: a number (decimal), an address, a symbol ({@code established}) or a string. */
  record Literal(String value) implements Expr {
    public Literal {
      Objects.requireNonNull(value);
    }
  }

  /** An address prefix {@code 10.0.0.0/8}. */
  record Prefix(Expr address, int length) implements Expr {
    public Prefix {
      Objects.requireNonNull(address);
      if (length < 0 || length > 128) {
        throw new IllegalArgumentException("prefix length " + length);
      }
    }
  }

  /** An inclusive range {@code 80-90}. */
  record Range(Expr low, Expr high) implements Expr {
    public Range {
      Objects.requireNonNull(low);
      Objects.requireNonNull(high);
    }
  }

  /** A comma list of flags without braces: {@code established,related}; a bitmask in nft. */
  record ValueList(List<Expr> values) implements Expr {
    public ValueList {
      values = List.copyOf(values);
    }
  }

  /** An anonymous set {@code { 22, 80-90 }}; map literals hold {@link MapEntry} elements. */
  record SetLiteral(List<Expr> elements) implements Expr {
    public SetLiteral {
      elements = List.copyOf(elements);
    }
  }

  /** One element of a map: {@code key : value}. */
  record MapEntry(Expr key, Expr value) implements Expr {
    public MapEntry {
      Objects.requireNonNull(key);
      Objects.requireNonNull(value);
    }
  }

  /** A reference to a named set or map: {@code @blocklist}. */
  record SetRef(String name) implements Expr {
    public SetRef {
      Objects.requireNonNull(name);
    }
  }

  /** A concatenation {@code ip saddr . tcp dport}. */
  record Concat(List<Expr> parts) implements Expr {
    public Concat {
      parts = List.copyOf(parts);
      if (parts.size() < 2) {
        throw new IllegalArgumentException("a concatenation has at least two parts");
      }
    }
  }

  /** A bitwise or shift operation: {@code tcp flags & (syn|ack)}; op is one of {@code & | ^ << >>}. */
  record Binop(String op, Expr left, Expr right) implements Expr {
    public Binop {
      if (!List.of("&", "|", "^", "<<", ">>").contains(op)) {
        throw new IllegalArgumentException("binary operator " + op);
      }
      Objects.requireNonNull(left);
      Objects.requireNonNull(right);
    }
  }

  /** A map lookup {@code ip saddr map @m}, or {@code map { ... }}. */
  record MapLookup(Expr key, Expr map) implements Expr {
    public MapLookup {
      Objects.requireNonNull(key);
      Objects.requireNonNull(map);
    }
  }

  /** A verdict as a value, in verdict maps: {@code accept}, {@code jump other}. */
  record VerdictValue(Stmt.VerdictKind kind, Optional<String> chain) implements Expr {
    public VerdictValue {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(chain);
    }
  }

  /**
   * A socket lookup: {@code socket transparent}, {@code socket wildcard}, {@code socket mark}, or
   * {@code socket cgroupv2 level N} (level is 0 for the other keys).
   */
  record Socket(String key, int level) implements Expr {
    public Socket {
      Objects.requireNonNull(key);
    }
  }

  /**
   * An IPv6 extension header field: {@code hbh nexthdr}, {@code frag more-fragments}, {@code rt type},
   * {@code srh last-entry}; without a field it is the presence check {@code exthdr hbh exists}, compared with
   * {@code true} or {@code false} as nft's JSON writes it.
   */
  record Exthdr(String name, Optional<String> field) implements Expr {
    public Exthdr {
      Objects.requireNonNull(name);
      Objects.requireNonNull(field);
    }
  }

  /** Passive OS fingerprinting: {@code osf [ttl loose|skip] name|version}. */
  record Osf(String key, Optional<String> ttl) implements Expr {
    public Osf {
      Objects.requireNonNull(key);
      Objects.requireNonNull(ttl);
    }
  }

  /**
   * An IPsec policy lookup: {@code ipsec in|out [spnum N] reqid|spi|ip saddr|ip6 daddr...}; family is {@code ip} or
   * {@code ip6} for the address keys.
   */
  record Ipsec(String direction, int spnum, String key, Optional<String> family) implements Expr {
    public Ipsec {
      Objects.requireNonNull(direction);
      Objects.requireNonNull(key);
      Objects.requireNonNull(family);
    }
  }

  /** Anything else (rt0 addresses, raw payloads, inner headers, ...): kept as its source text. */
  record Raw(String text) implements Expr {
    public Raw {
      Objects.requireNonNull(text);
    }
  }
}
