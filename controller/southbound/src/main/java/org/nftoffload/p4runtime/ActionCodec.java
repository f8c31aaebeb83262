package org.nftoffload.p4runtime;

import java.util.HashMap;
import java.util.Map;
import org.nftoffload.p4runtime.P4InfoIndex.ActionInfo;
import org.nftoffload.p4runtime.P4InfoIndex.Param;
import org.onosproject.net.pi.model.PiActionId;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import p4.v1.P4RuntimeOuterClass.Action;

/**
 * {@link PiAction} ↔ {@code p4.v1.Action}. Every parameter the P4Info declares must be given exactly once, each
 * within its bit width; parameters are sent in the P4Info's declaration order.
 */
final class ActionCodec {

  private ActionCodec() {}

  static Action encode(PiAction action, P4InfoIndex index, String where) throws CodecException {
    ActionInfo info = index.action(action.id().id());
    Action.Builder b = Action.newBuilder().setActionId(info.id());
    Map<String, PiActionParam> given = new HashMap<>();
    for (PiActionParam p : action.parameters()) {
      if (!info.byName().containsKey(p.id().id())) {
        throw new CodecException(where + " action '" + info.name() + "': unknown parameter '" + p.id().id() + "'");
      }
      given.put(p.id().id(), p);
    }
    for (Param param : info.ordered()) {
      PiActionParam p = given.get(param.name());
      if (p == null) {
        throw new CodecException(where + " action '" + info.name() + "': missing parameter '" + param.name() + "'");
      }
      b.addParamsBuilder().setParamId(param.id()).setValue(Bytestrings.encode(p.value(), param.bitWidth(),
          where + " action '" + info.name() + "' parameter '" + param.name() + "'"));
    }
    return b.build();
  }

  static PiAction decode(Action action, P4InfoIndex index, String where) throws CodecException {
    ActionInfo info = index.action(action.getActionId());
    PiAction.Builder b = PiAction.builder().withId(PiActionId.of(info.name()));
    for (Action.Param p : action.getParamsList()) {
      Param param = info.byId().get(p.getParamId());
      if (param == null) {
        throw new CodecException(where + " action '" + info.name() + "': unknown parameter id " + p.getParamId());
      }
      b.withParameter(new PiActionParam(PiActionParamId.of(param.name()), Bytestrings.decode(p.getValue(),
          param.bitWidth(), where + " action '" + info.name() + "' parameter '" + param.name() + "'")));
    }
    return b.build();
  }
}
