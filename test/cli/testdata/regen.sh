#!/bin/sh
# Regenerates the golden reports (*.out) with the referee, promtool 2.42:
# each is promtool's stdout and stderr interleaved, run from this directory.
set -e
cd "$(dirname "$0")"
for f in pass_*.yml fail_*.yml bad_*.yml; do
  promtool test rules "$f" > "${f%.yml}.out" 2>&1 || true
done
promtool check rules rules_basic.yml rules_order.yml rules_duplicate.yml > check_rules.out 2>&1 || true
