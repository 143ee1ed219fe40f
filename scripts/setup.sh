#!/usr/bin/env bash
# setup.sh - install the Debian packages lparsim needs (only those missing),
# then configure and build. Sourced or run by scripts/run.sh and
# scripts/test.sh; safe to run again (does nothing that is already done).
#
#   scripts/setup.sh [release|asan]...   (default: release)
#
# Build directories: build/release (-O2), build/asan (ASan+UBSan, -O1 -g).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# gcc-powerpc64le.. qemu-user record POWER programs (scripts/record-ppc64le.sh,
# used by the test suite); gnuplot-nox and parallel serve lparsim sweep
# (plots, GNU parallel jobs; both used by the test suite); time (GNU time)
# measures peak memory in scripts/smr_scale.sh
pkgs=(build-essential cmake pkg-config zlib1g-dev check libfyaml-dev
      libcapstone-dev libsystemc-dev
      gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross qemu-user
      gnuplot-nox parallel time)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing missing Debian packages: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(release)
for b in "${builds[@]}"; do
  case "$b" in
    release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
    asan)    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLPARSIM_SANITIZE=ON) ;;
    *) echo "setup: unknown build '$b' (expected release or asan)" >&2; exit 2 ;;
  esac
  cmake -S "$top" -B "$top/build/$b" "${flags[@]}" >/dev/null
  cmake --build "$top/build/$b" -j "$jobs" >/dev/null || cmake --build "$top/build/$b" -j 1
done
