#!/usr/bin/env bash
# Controller flow install load generator (see FlowInstallLoad and BENCHMARKS.md "Controller flow install"): builds
# the controller's tests, then runs the generator. Usage: controller/bench/flow-install.sh [softswitch|sink] [FLOWS] [RATE]
# JVM options: FLOW_INSTALL_JVM_OPTS (default -Xms2g -Xmx4g -XX:+UseParallelGC).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$top/bin/lib/jdk.sh"
nftoffload_find_jdk25
cd "$top"
./mvnw -q -B -o -pl controller test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$top/controller/target/bench.classpath" >&2
cp="controller/target/classes:controller/target/test-classes:$(cat controller/target/bench.classpath)"
NFTOFFLOAD_LOG_LEVEL="${NFTOFFLOAD_LOG_LEVEL:-WARN}" exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow ${FLOW_INSTALL_JVM_OPTS:--Xms2g -Xmx4g -XX:+UseParallelGC} \
  -cp "$cp" org.nftoffload.service.bench.FlowInstallLoad "$@"
