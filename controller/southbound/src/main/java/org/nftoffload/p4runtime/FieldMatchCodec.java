package org.nftoffload.p4runtime;

import java.nio.ByteBuffer;
import org.nftoffload.p4runtime.P4InfoIndex.Field;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiLpmFieldMatch;
import org.onosproject.net.pi.runtime.PiOptionalFieldMatch;
import org.onosproject.net.pi.runtime.PiRangeFieldMatch;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import p4.config.v1.P4InfoOuterClass.MatchField.MatchType;
import p4.v1.P4RuntimeOuterClass.FieldMatch;

/**
 * {@link PiFieldMatch} ↔ {@code p4.v1.FieldMatch}. Checks the match kind against the P4Info and follows the spec's
 * rules for wildcards: a ternary field with an all-zero mask, a range covering the whole field and an LPM prefix of
 * length zero are "don't care" and are left out of the message (returned as {@code null}); bits outside a ternary
 * mask or an LPM prefix must be zero.
 */
final class FieldMatchCodec {

  private FieldMatchCodec() {}

  /** The field match, or {@code null} when it is a wildcard the spec says to omit. */
  static FieldMatch encode(PiFieldMatch m, Field f, String table) throws CodecException {
    String what = table + " key field '" + f.name() + "'";
    FieldMatch.Builder b = FieldMatch.newBuilder().setFieldId(f.id());
    switch (m) {
      case PiExactFieldMatch e -> {
        expect(f, MatchType.EXACT, what);
        b.getExactBuilder().setValue(Bytestrings.encode(e.value(), f.bitWidth(), what));
      }
      case PiTernaryFieldMatch t -> {
        expect(f, MatchType.TERNARY, what);
        if (Bytestrings.isZero(t.mask())) {
          return null;
        }
        checkMasked(t.value(), t.mask(), what);
        b.getTernaryBuilder().setValue(Bytestrings.encode(t.value(), f.bitWidth(), what))
            .setMask(Bytestrings.encode(t.mask(), f.bitWidth(), what + " mask"));
      }
      case PiRangeFieldMatch r -> {
        expect(f, MatchType.RANGE, what);
        java.math.BigInteger low = new java.math.BigInteger(1, r.lowValue().asArray());
        java.math.BigInteger high = new java.math.BigInteger(1, r.highValue().asArray());
        if (low.compareTo(high) > 0) {
          throw new CodecException(what + ": range low " + low + " is above high " + high);
        }
        Bytestrings.encode(r.highValue(), f.bitWidth(), what + " high");
        if (low.signum() == 0 && high.equals(java.math.BigInteger.ONE.shiftLeft(f.bitWidth()).subtract(
            java.math.BigInteger.ONE))) {
          return null;
        }
        b.getRangeBuilder().setLow(Bytestrings.encode(r.lowValue(), f.bitWidth(), what + " low"))
            .setHigh(Bytestrings.encode(r.highValue(), f.bitWidth(), what + " high"));
      }
      case PiLpmFieldMatch l -> {
        expect(f, MatchType.LPM, what);
        if (l.prefixLength() < 0 || l.prefixLength() > f.bitWidth()) {
          throw new CodecException(what + ": prefix length " + l.prefixLength() + " outside 0.." + f.bitWidth());
        }
        if (l.prefixLength() == 0) {
          return null;
        }
        b.getLpmBuilder().setValue(Bytestrings.encode(l.value(), f.bitWidth(), what))
            .setPrefixLen(l.prefixLength());
      }
      case PiOptionalFieldMatch o -> {
        expect(f, MatchType.OPTIONAL, what);
        b.getOptionalBuilder().setValue(Bytestrings.encode(o.value(), f.bitWidth(), what));
      }
      default -> throw new CodecException(what + ": unsupported match kind " + m.type());
    }
    return b.build();
  }

  static PiFieldMatch decode(FieldMatch m, Field f, String table) throws CodecException {
    String what = table + " key field '" + f.name() + "'";
    PiMatchFieldId id = PiMatchFieldId.of(f.name());
    int w = f.bitWidth();
    return switch (m.getFieldMatchTypeCase()) {
      case EXACT -> {
        expect(f, MatchType.EXACT, what);
        yield new PiExactFieldMatch(id, Bytestrings.decode(m.getExact().getValue(), w, what));
      }
      case TERNARY -> {
        expect(f, MatchType.TERNARY, what);
        yield new PiTernaryFieldMatch(id, Bytestrings.decode(m.getTernary().getValue(), w, what),
            Bytestrings.decode(m.getTernary().getMask(), w, what + " mask"));
      }
      case RANGE -> {
        expect(f, MatchType.RANGE, what);
        yield new PiRangeFieldMatch(id, Bytestrings.decode(m.getRange().getLow(), w, what + " low"),
            Bytestrings.decode(m.getRange().getHigh(), w, what + " high"));
      }
      case LPM -> {
        expect(f, MatchType.LPM, what);
        yield new PiLpmFieldMatch(id, Bytestrings.decode(m.getLpm().getValue(), w, what), m.getLpm().getPrefixLen());
      }
      case OPTIONAL -> {
        expect(f, MatchType.OPTIONAL, what);
        yield new PiOptionalFieldMatch(id, Bytestrings.decode(m.getOptional().getValue(), w, what));
      }
      default -> throw new CodecException(what + ": unsupported match kind " + m.getFieldMatchTypeCase());
    };
  }

  private static void expect(Field f, MatchType kind, String what) throws CodecException {
    if (f.matchType() != kind) {
      throw new CodecException(what + ": P4Info declares " + f.matchType() + " match, entry has " + kind);
    }
  }

  private static void checkMasked(ImmutableByteSequence value, ImmutableByteSequence mask, String what)
      throws CodecException {
    ByteBuffer v = value.asReadOnlyBuffer();
    ByteBuffer k = mask.asReadOnlyBuffer();
    // Align on the least significant byte: the two may differ in length.
    for (int i = 1; i <= v.remaining(); i++) {
      int vb = v.get(v.limit() - i);
      int kb = i <= k.remaining() ? k.get(k.limit() - i) : 0;
      if ((vb & ~kb) != 0) {
        throw new CodecException(what + ": value has bits set outside the mask");
      }
    }
  }
}
