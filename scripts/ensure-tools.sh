#!/usr/bin/env bash
# Makes sure the reference tools the tests compare against are installed:
# promtool (Debian's `prometheus` 2.42) and the headless browser the web page's tests drive
# (Debian's `chromium`), and Alertmanager 0.25 (`prometheus-alertmanager`) the manager's
# timelines are checked against. Installs them with apt when running as root.
set -u
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
if ((${#need[@]} == 0)); then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "ensure-tools: missing ${need[*]} and not root; cross-checks against them will be skipped" >&2
  exit 0
fi
echo "ensure-tools: installing ${need[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q "${need[@]}" >/tmp/vigil-apt.log 2>&1; then
  apt-get update -q >>/tmp/vigil-apt.log 2>&1 && apt-get install -y -q "${need[@]}" >>/tmp/vigil-apt.log 2>&1 \
    || echo "ensure-tools: apt-get failed (see /tmp/vigil-apt.log); cross-checks will be skipped" >&2
fi
exit 0
