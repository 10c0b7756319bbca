#!/usr/bin/env bash
# Runs every test of fwlint. On a fresh Debian machine, run as root, it first
# installs what the tests need (the real iptables for the oracle and kernel
# tests, iproute2 for network namespaces, chromium and npm to render the
# Mermaid diagrams with the real mermaid package, strace to show that fwlint
# starts no program and opens no socket, GNU time to measure peak memory); as
# another user it installs nothing, and the tests that need root or those
# tools say they skip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(iptables iproute2 conntrack chromium strace time)
# npm fetches the pinned mermaid package into target/ for the rendering test.
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "scripts/test.sh: installing ${missing[*]}"
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
      apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

cargo test --release --all-targets

# The fuzz targets (fuzz/, its own workspace) must keep compiling; fuzzing
# itself needs nightly and libFuzzer, so CI only checks them, without the
# C++ libFuzzer build. The seeds run through the same code in the tests.
cargo check --manifest-path fuzz/Cargo.toml --no-default-features --bins
