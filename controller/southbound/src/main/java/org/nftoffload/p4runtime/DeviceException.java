package org.nftoffload.p4runtime;

/**
 * A P4Runtime call to a device failed as a whole (unreachable, deadline, refused): carries the device id, what
 * was being done and the status code, with the gRPC status rendered into the message so callers outside this
 * package need no gRPC types.
 */
public final class DeviceException extends RuntimeException {

  private final long deviceId;
  private final RpcCode code;

  DeviceException(long deviceId, String what, Throwable cause) {
    this(deviceId, what, io.grpc.Status.fromThrowable(cause), cause);
  }

  private DeviceException(long deviceId, String what, io.grpc.Status status, Throwable cause) {
    super("device " + deviceId + ": " + what + " failed: " + status.getCode()
        + (status.getDescription() != null ? " (" + status.getDescription() + ")" : ""), cause);
    this.deviceId = deviceId;
    this.code = RpcCode.of(status.getCode().value());
  }

  public long deviceId() {
    return deviceId;
  }

  public RpcCode code() {
    return code;
  }
}
