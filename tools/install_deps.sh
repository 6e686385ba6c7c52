#!/usr/bin/env bash
# Installs memkv's build and test dependencies from Debian's packages, skipping what is there.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config libabsl-dev libxxhash-dev liburing-dev libgtest-dev libssl-dev
  # the storage engine's microbenchmarks (tools/engine_bench/): Google Benchmark
  libbenchmark-dev
  # fuzz targets (tests/fuzz/): clang, its libFuzzer and sanitizer runtimes, llvm-symbolizer
  clang libclang-rt-14-dev llvm-14
  # the ThreadSanitizer pass: Debian's Abseil source, unpacked (tools/fetch_abseil_source.sh)
  dpkg-dev
  # tests: real clients and reference servers
  libmemcached-tools python3 python3-pymemcache python3-redis redis-tools redis-server memcached
  netcat-openbsd
  # scale-out tests and docs/scale-out.md: twemproxy in front of several memkv instances
  nutcracker
  # binary protocol tests: pylibmc (libmemcached's binary mode), and saslpasswd2 to give the
  # reference memcached -S a SASL user (tests/server/binary_oracle_test.py)
  python3-pylibmc sasl2-bin
  # TLS tests: certificates made at test time, openssl s_client
  openssl
  # the --metrics-port test: a real Prometheus scrapes memkv (and promtool checks the format)
  prometheus
  # benchmark plots
  gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
# The reference servers must not start as system services: tests start their own on free ports.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Installing enables nutcracker's service for the next boot (policy-rc.d only stops it starting
# now): it would fail there without /etc/nutcracker/nutcracker.yml, and with one put its stats port
# on 0.0.0.0:22222. The tests and tools/proxy_bench.py start their own: keep the packaged one off.
# The same for prometheus (its own scrape of localhost:9090 and a data directory of its own).
for service in nutcracker prometheus; do
  if [[ " ${missing[*]} " == *" $service "* ]] && command -v systemctl >/dev/null; then
    "${sudo_cmd[@]}" systemctl disable "$service.service" >/dev/null 2>&1 || true
  fi
done
