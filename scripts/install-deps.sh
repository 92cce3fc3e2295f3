#!/usr/bin/env bash
# Installs every Debian package that loconet's build, demo, tests and benchmarks need.
# Idempotent: asks dpkg first and only calls apt-get for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libtorch-dev libopenblas0-pthread
  libzmq3-dev cppzmq-dev libsodium-dev librocksdb-dev
  catch2 protobuf-compiler libprotobuf-dev
  libsentencepiece-dev libtomlplusplus-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  npm tar gzip
)

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
