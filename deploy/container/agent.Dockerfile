# syntax=docker/dockerfile:1
# nft-offload kernel agent image. Build from the top of a checkout (the build needs the whole Maven reactor):
#   docker build -f deploy/container/agent.Dockerfile -t nftoffload-agent:0.1.0 .
# It watches the conntrack and routing tables of the network namespace it runs in, so run it in the host's
# network namespace, with CAP_NET_ADMIN (conntrack dumps, events and updates over netlink; SO_RCVBUFFORCE):
#   docker run --network host --cap-drop ALL --cap-add NET_ADMIN \
#     -v /etc/nftoffload/agent.yaml:/etc/nftoffload/agent.yaml:ro nftoffload-agent:0.1.0
# To watch a named `ip netns` namespace instead (agent.namespace), also mount /run/netns
# (-v /run/netns:/run/netns:ro) and add SYS_ADMIN (setns) — see deploy/README.md.
# It runs as root inside the container: capabilities a runtime adds reach a non-root user's process only through
# file capabilities or ambient capabilities, which neither Docker nor Kubernetes set. Every other capability is
# dropped by the commands above and by deploy/k8s/agent-daemonset.yaml.

# ---- build: the Maven Wrapper on a JDK 25 (Ubuntu-based: protoc, fetched by the build, is a glibc binary)
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -pl drivers/agent -am package \
 && mkdir -p /out \
 && cp drivers/agent/target/nftoffload-agent.jar /out/ \
 && cp -r drivers/agent/target/lib /out/lib

# ---- run: a JRE 25 (glibc: the agent calls libc through the FFM API), the jar and its lib/
FROM eclipse-temurin:25-jre
LABEL org.opencontainers.image.title="nft-offload kernel agent" \
      org.opencontainers.image.description="Reports the connections the Linux kernel offloads to the nft-offload controller" \
      org.opencontainers.image.version="0.1.0"
RUN mkdir -p /etc/nftoffload
COPY --from=build /out/ /opt/nftoffload/agent/
USER 0:0
# --enable-native-access: netlink and setns go through the FFM API (java.lang.foreign), a restricted API;
# Guice and protobuf-java still use sun.misc.Unsafe (JDK 25 warns without --sun-misc-unsafe-memory-access=allow).
# More JVM options: JAVA_TOOL_OPTIONS. Log level: NFTOFFLOAD_AGENT_LOG_LEVEL (default INFO).
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", \
            "-Dcom.google.protobuf.error_on_unsafe_pre22_gencode=true", \
            "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", \
            "-jar", "/opt/nftoffload/agent/nftoffload-agent.jar"]
CMD ["--config", "/etc/nftoffload/agent.yaml"]
