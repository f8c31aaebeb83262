package org.nftoffload.p4runtime;

import java.util.List;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.Uint128;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

/**
 * A batch of {@link TableUpdate}s → {@code p4.v1.WriteRequest} through the message builders. This is the reference
 * encoding: readable, used by the golden tests, and the yardstick {@link WriteRequestEncoder} (the allocation-free
 * path the client sends) is checked against byte for byte.
 */
final class WriteRequestCodec {

  private WriteRequestCodec() {}

  static WriteRequest encode(List<TableUpdate> updates, long deviceId, ElectionId electionId, long roleId,
      P4InfoIndex index) throws CodecException {
    WriteRequest.Builder b = WriteRequest.newBuilder().setDeviceId(deviceId).setRoleId(roleId)
        .setElectionId(uint128(electionId));
    for (int i = 0; i < updates.size(); i++) {
      TableUpdate u = updates.get(i);
      try {
        b.addUpdates(Update.newBuilder().setType(type(u.type()))
            .setEntity(Entity.newBuilder().setTableEntry(TableEntryCodec.encode(u.entry(), index))));
      } catch (CodecException e) {
        throw new CodecException("update " + i + " (" + u.type() + "): " + e.getMessage());
      }
    }
    return b.build();
  }

  static Uint128 uint128(ElectionId id) {
    return Uint128.newBuilder().setHigh(id.high()).setLow(id.low()).build();
  }

  static Update.Type type(UpdateType t) {
    return switch (t) {
      case INSERT -> Update.Type.INSERT;
      case MODIFY -> Update.Type.MODIFY;
      case DELETE -> Update.Type.DELETE;
    };
  }
}
