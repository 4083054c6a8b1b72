#!/usr/bin/env bash
# Debian packages some tests need, installed with apt when missing:
#   chromium        the web UI and browser-peer tests (headless, driven by playwright-core)
#   iproute2        `ip netns`: the NAT tests build small networks in namespaces
#   iptables        NAT and port forwarding inside those namespaces
# Needs root (or sudo). Without them those tests are skipped with a message saying why;
# everything else still runs.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || need+=(iptables)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: no apt-get; tests needing ${need[*]} will be skipped" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
    echo "system-deps: not root and no sudo; tests needing ${need[*]} will be skipped" >&2
    exit 0
  fi
fi
echo "system-deps: installing ${need[*]} with apt" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null || true
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "system-deps: apt-get install ${need[*]} failed; tests needing them will be skipped" >&2
fi
exit 0
