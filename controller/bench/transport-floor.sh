#!/usr/bin/env bash
# The transport under the flow path with none of the controller's work (see TransportFloor and BENCHMARKS.md
# "Controller flow install"). Usage: controller/bench/transport-floor.sh [RATE] [SECONDS] [HOPS 1|2] [HANDOFF 0|1]
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" org.nftoffload.service.bench.TransportFloor "$@"
