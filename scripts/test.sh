#!/usr/bin/env bash
# Runs every test of fwlint. On a fresh Debian machine, run as root, it first
# installs what the tests need (the real iptables for the oracle and kernel
# tests, iproute2 for network namespaces, chromium and npm to render the
# Mermaid diagrams with the real mermaid package, strace to show that fwlint
# starts no program and opens no socket, GNU time to measure peak memory,
# a C++ compiler for libFuzzer in the fuzz smoke run, Graphviz to draw the
# DOT output of `fwlint graph`); as
# another user it installs nothing, and the tests that need root or those
# tools say they skip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(iptables iproute2 conntrack chromium strace time g++ graphviz)
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

# Fuzz smoke run: each target (fuzz/, its own workspace) runs for
# FWLINT_FUZZ_SECONDS (default 30; 0 skips it) of coverage-guided libFuzzer,
# seeded from ../shared/corpus when it is there, the fixtures, the examples
# and the regression inputs. `--sanitizer none` needs no `-Z` flag, so
# stable Rust builds it; libFuzzer itself needs a C++ compiler. A crash or
# a hang (10 s on one input) fails the run and leaves its input in
# fuzz/artifacts/. When cargo-fuzz cannot be installed, the targets are only
# compiled, without libFuzzer.
fuzz_seconds="${FWLINT_FUZZ_SECONDS:-30}"
if [ "$fuzz_seconds" != 0 ] && ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "scripts/test.sh: installing cargo-fuzz for the fuzz smoke run"
  cargo install cargo-fuzz --locked --quiet || true
fi
if [ "$fuzz_seconds" != 0 ] && command -v cargo-fuzz >/dev/null 2>&1 && command -v c++ >/dev/null 2>&1; then
  corpus=$(mktemp -d)
  trap 'rm -rf "$corpus"' EXIT
  fuzz/seed.sh "$PWD/../shared/corpus" "$corpus"
  for target in reader pipeline; do
    echo "scripts/test.sh: fuzzing $target for $fuzz_seconds s"
    cargo fuzz run --sanitizer none "$target" "$corpus/$target" -- \
      -max_total_time="$fuzz_seconds" -max_len=4096 -timeout=10 -print_final_stats=1 2>&1 |
      grep -v -e '^#[0-9]' -e '# Uses:'
  done
else
  echo "scripts/test.sh: SKIPPED the fuzz smoke run (FWLINT_FUZZ_SECONDS=0, or cargo-fuzz or a C++ compiler is missing); only compiling the fuzz targets"
  cargo check --manifest-path fuzz/Cargo.toml --no-default-features --bins
fi
