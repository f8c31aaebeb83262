#!/usr/bin/env bash
# Runs a load generator from the controller's test classes: builds them, then runs the class given with its
# arguments. Usage: controller/bench/run.sh CLASS [ARGS...]. JVM options: BENCH_JVM_OPTS (default -Xms2g -Xmx4g
# -XX:+UseParallelGC).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$top/bin/lib/jdk.sh"
nftoffload_find_jdk25
cd "$top"
./mvnw -q -B -o -pl controller test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$top/controller/target/bench.classpath" >&2
cp="controller/target/classes:controller/target/test-classes:$(cat controller/target/bench.classpath)"
main="$1"
shift
NFTOFFLOAD_LOG_LEVEL="${NFTOFFLOAD_LOG_LEVEL:-WARN}" exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow ${BENCH_JVM_OPTS:--Xms2g -Xmx4g -XX:+UseParallelGC} -cp "$cp" "$main" "$@"
