package org.nftoffload.p4runtime;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.CloneSessionEntry;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.ForwardingPipelineConfig;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.GetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.PacketReplicationEngineEntry;
import p4.v1.P4RuntimeOuterClass.Replica;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;
import p4.v1.P4RuntimeOuterClass.WriteResponse;
import p4.v1.P4RuntimeOuterClass;

/** {@code SetForwardingPipelineConfig} / {@code GetForwardingPipelineConfig} (cookie only). */
final class GrpcPipelineConfig implements PipelineConfigClient {

  private final P4RuntimeGrpc.P4RuntimeFutureStub stub;
  private final ClientConfig config;
  private final P4InfoIndex index;
  private final Election election;

  GrpcPipelineConfig(P4RuntimeGrpc.P4RuntimeFutureStub stub, ClientConfig config, P4InfoIndex index,
      Election election) {
    this.stub = stub;
    this.election = election;
    this.config = config;
    this.index = index;
  }

  @Override
  public CompletableFuture<Void> setPipelineConfig(byte[] deviceConfig, long cookie) {
    SetForwardingPipelineConfigRequest request = SetForwardingPipelineConfigRequest.newBuilder()
        .setDeviceId(config.deviceId()).setRoleId(config.roleId())
        .setElectionId(WriteRequestCodec.uint128(election.get()))
        .setAction(SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT)
        .setConfig(ForwardingPipelineConfig.newBuilder().setP4Info(index.p4Info())
            .setP4DeviceConfig(ByteString.copyFrom(deviceConfig))
            .setCookie(ForwardingPipelineConfig.Cookie.newBuilder().setCookie(cookie)))
        .build();
    CompletableFuture<Void> out = new CompletableFuture<>();
    Futures.addCallback(stub.withDeadlineAfter(config.rpcDeadline().toNanos(), TimeUnit.NANOSECONDS)
        .setForwardingPipelineConfig(request), new FutureCallback<SetForwardingPipelineConfigResponse>() {
          @Override
          public void onSuccess(SetForwardingPipelineConfigResponse r) {
            out.complete(null);
          }

          @Override
          public void onFailure(Throwable t) {
            out.completeExceptionally(new DeviceException(config.deviceId(), "SetForwardingPipelineConfig", t));
          }
        }, MoreExecutors.directExecutor());
    return out;
  }

  @Override
  public CompletableFuture<OptionalLong> pipelineCookie() {
    GetForwardingPipelineConfigRequest request = GetForwardingPipelineConfigRequest.newBuilder()
        .setDeviceId(config.deviceId())
        .setResponseType(GetForwardingPipelineConfigRequest.ResponseType.COOKIE_ONLY).build();
    CompletableFuture<OptionalLong> out = new CompletableFuture<>();
    Futures.addCallback(stub.withDeadlineAfter(config.rpcDeadline().toNanos(), TimeUnit.NANOSECONDS)
        .getForwardingPipelineConfig(request), new FutureCallback<GetForwardingPipelineConfigResponse>() {
          @Override
          public void onSuccess(GetForwardingPipelineConfigResponse r) {
            out.complete(r.hasConfig() && r.getConfig().hasCookie()
                ? OptionalLong.of(r.getConfig().getCookie().getCookie()) : OptionalLong.empty());
          }

          @Override
          public void onFailure(Throwable t) {
            // A device with no pipeline may answer FAILED_PRECONDITION (BMv2 does): that means "none loaded".
            if (Status.fromThrowable(t).getCode() == Status.Code.FAILED_PRECONDITION) {
              out.complete(OptionalLong.empty());
            } else {
              out.completeExceptionally(new DeviceException(config.deviceId(), "GetForwardingPipelineConfig", t));
            }
          }
        }, MoreExecutors.directExecutor());
    return out;
  }

  @Override
  public CompletableFuture<Void> cloneSession(int sessionId, int egressPort) {
    Entity session = Entity.newBuilder().setPacketReplicationEngineEntry(PacketReplicationEngineEntry.newBuilder()
        .setCloneSessionEntry(CloneSessionEntry.newBuilder().setSessionId(sessionId)
            .addReplicas(Replica.newBuilder().setEgressPort(egressPort).setInstance(0)))).build();
    return writeOne(Update.Type.MODIFY, session).thenCompose(code -> code == Status.Code.NOT_FOUND
        ? writeOne(Update.Type.INSERT, session) : CompletableFuture.completedFuture(code))
        .thenApply(code -> {
          if (code != Status.Code.OK) {
            throw new DeviceException(config.deviceId(), "Write of clone session " + sessionId + " → port "
                + egressPort, Status.fromCode(code).asRuntimeException());
          }
          return null;
        });
  }

  /** One update; the code of its result (from the p4.v1.Error detail when the device sends one). */
  private CompletableFuture<Status.Code> writeOne(Update.Type type, Entity entity) {
    WriteRequest request = WriteRequest.newBuilder().setDeviceId(config.deviceId()).setRoleId(config.roleId())
        .setElectionId(WriteRequestCodec.uint128(election.get()))
        .addUpdates(Update.newBuilder().setType(type).setEntity(entity)).build();
    CompletableFuture<Status.Code> out = new CompletableFuture<>();
    Futures.addCallback(stub.withDeadlineAfter(config.rpcDeadline().toNanos(), TimeUnit.NANOSECONDS)
        .write(request), new FutureCallback<WriteResponse>() {
          @Override
          public void onSuccess(WriteResponse r) {
            out.complete(Status.Code.OK);
          }

          @Override
          public void onFailure(Throwable t) {
            com.google.rpc.Status details = StatusProto.fromThrowable(t);
            if (details != null && details.getDetailsCount() == 1) {
              try {
                out.complete(Status.fromCodeValue(details.getDetails(0).unpack(P4RuntimeOuterClass.Error.class)
                    .getCanonicalCode()).getCode());
                return;
              } catch (InvalidProtocolBufferException e) {
                // not a p4.v1.Error: the call's status says it
              }
            }
            out.complete(Status.fromThrowable(t).getCode());
          }
        }, MoreExecutors.directExecutor());
    return out;
  }
}
