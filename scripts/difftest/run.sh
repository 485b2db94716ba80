#!/usr/bin/env bash
# Differential fuzzing of Vigil against promtool 2.42 (Debian's `prometheus` package).
#   scripts/difftest/run.sh --seed 1 --cases 5000 [--kind promql|alerts|both] [--compat3] [--keep DIR] [--save DIR]
# Builds, then runs test/differential/run.ts; exits 1 if any real difference is found.
# The generator is test/differential/generate.ts (under test/ so tsconfig compiles it).
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -p . >/dev/null || true
exec node dist/test/differential/run.js "$@"
