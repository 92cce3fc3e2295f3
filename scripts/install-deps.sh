#!/usr/bin/env bash
# Installs every Debian package that loconet's build, demo, tests and benchmarks need.
# Idempotent: asks dpkg first and only calls apt-get for what is missing.
#
#   install-deps.sh          the default build (make build, test, demo, bench)
#   install-deps.sh --fuzz   the fuzz build (make fuzz): the torch-free libraries plus clang and
#                            its libFuzzer/sanitizer runtimes; no LibTorch
set -euo pipefail

# What the torch-free libraries (core, datasets, sync, ledger) need.
base_packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libzmq3-dev cppzmq-dev libsodium-dev librocksdb-dev libarchive-dev
  protobuf-compiler libprotobuf-dev
  libsentencepiece-dev libtomlplusplus-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
)
# The rest of the default build: LibTorch (and the Gloo headers its c10d needs for data
# parallel across processes), the web dashboard (cpp-httplib), the metrics
# endpoints (prometheus-cpp), the tests, the demo corpus and the dashboard's plotting library
# (npm fetches both; tar and gzip only make the tarballs that the tests unpack), and the real
# parts the tests drive: headless Chromium loads the dashboard, a Prometheus server scrapes the
# nodes.
default_packages=(libtorch-dev libgloo-dev libopenblas0-pthread libcpp-httplib-dev prometheus-cpp-dev catch2 npm
                  tar gzip chromium prometheus)
# The fuzz build (make fuzz): clang 14 and its runtimes (libFuzzer, ASan, UBSan).
fuzz_packages=(clang libclang-rt-14-dev)

case "${1:-}" in
  "") packages=("${base_packages[@]}" "${default_packages[@]}") ;;
  --fuzz) packages=("${base_packages[@]}" "${fuzz_packages[@]}") ;;
  *) echo "usage: install-deps.sh [--fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  # npm may come from a non-Debian Node.js install; accept it if it is on PATH.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
