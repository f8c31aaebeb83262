#!/usr/bin/env bash
# Conntrack events/s the agent decodes and forwards (see ConntrackEventLoad): builds the agent module and its
# tests, then runs the load generator as root. Usage: drivers/agent/bench/conntrack-events.sh [FLOWS] [ROUNDS]
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
. "$top/bin/lib/jdk.sh"
nftoffload_find_jdk25
cd "$top"
./mvnw -q -B -o -pl drivers/agent test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$top/drivers/agent/target/bench.classpath" >&2
cp="drivers/agent/target/classes:drivers/agent/target/test-classes:$(cat drivers/agent/target/bench.classpath)"
NFTOFFLOAD_AGENT_LOG_LEVEL="${NFTOFFLOAD_AGENT_LOG_LEVEL:-WARN}" exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -Xmx1g -cp "$cp" org.nftoffload.agent.bench.ConntrackEventLoad "$@"
