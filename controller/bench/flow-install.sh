#!/usr/bin/env bash
# Controller flow install load generator (see FlowInstallLoad and BENCHMARKS.md "Controller flow install").
# Usage: controller/bench/flow-install.sh [softswitch|sink] [FLOWS] [RATE]
# JVM options: FLOW_INSTALL_JVM_OPTS (default -Xms2g -Xmx4g -XX:+UseParallelGC).
set -euo pipefail
BENCH_JVM_OPTS="${FLOW_INSTALL_JVM_OPTS:-}" exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" \
  org.nftoffload.service.bench.FlowInstallLoad "$@"
