package org.nftoffload.p4runtime;

import com.google.protobuf.ByteString;
import org.nftoffload.p4runtime.P4InfoIndex.PacketHeader;
import org.nftoffload.p4runtime.P4InfoIndex.Param;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiPacketMetadataId;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketMetadata;
import p4.v1.P4RuntimeOuterClass.PacketOut;

/**
 * {@link PiPacketOperation} ↔ {@code p4.v1.PacketOut} / {@code p4.v1.PacketIn}: the payload plus the controller
 * header fields the P4Info declares for {@code packet_out} and {@code packet_in}, by name and bit width.
 */
final class PacketCodec {

  static final String PACKET_OUT = "packet_out";
  static final String PACKET_IN = "packet_in";

  private PacketCodec() {}

  static PacketOut encode(PiPacketOperation op, P4InfoIndex index) throws CodecException {
    if (op.type() != PiPacketOperationType.PACKET_OUT) {
      throw new CodecException("only PACKET_OUT operations can be sent, got " + op.type());
    }
    PacketHeader header = index.packetHeader(PACKET_OUT);
    PacketOut.Builder b = PacketOut.newBuilder().setPayload(ByteString.copyFrom(op.data().asReadOnlyBuffer()));
    for (PiPacketMetadata m : op.metadatas()) {
      Param p = header.byName().get(m.id().id());
      if (p == null) {
        throw new CodecException("packet_out has no field '" + m.id().id() + "'");
      }
      b.addMetadata(PacketMetadata.newBuilder().setMetadataId(p.id())
          .setValue(Bytestrings.encode(m.value(), p.bitWidth(), "packet_out field '" + p.name() + "'")));
    }
    return b.build();
  }

  static PiPacketOperation decode(PacketIn in, P4InfoIndex index) throws CodecException {
    PacketHeader header = index.packetHeader(PACKET_IN);
    PiPacketOperation.Builder b = PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_IN)
        .withData(ImmutableByteSequence.copyFrom(in.getPayload().toByteArray()));
    for (PacketMetadata m : in.getMetadataList()) {
      Param p = header.byId().get(m.getMetadataId());
      if (p == null) {
        throw new CodecException("packet_in has no field id " + m.getMetadataId());
      }
      b.withMetadata(PiPacketMetadata.builder().withId(PiPacketMetadataId.of(p.name()))
          .withValue(Bytestrings.decode(m.getValue(), p.bitWidth(), "packet_in field '" + p.name() + "'")).build());
    }
    return b.build();
  }
}
