#!/usr/bin/env bash
# Installs everything krdb needs to build and test, from Debian's packages only. Idempotent:
# packages already present are not fetched again, and `apt-get update` runs only when a package
# is missing. Usage: scripts/setup.sh [--kernel-fixture]  (the flag adds what rebuilding the
# kernel fixture needs: linux-source, rustc-web, bindgen, clang …).
set -euo pipefail

# Build + run-time dependencies of krdb itself.
BUILD_PKGS=(build-essential cmake ninja-build pkg-config
  liblldb-19-dev lldb-19 python3-lldb-19 llvm-19-dev llvm-19-tools
  libdwarf-dev libelf-dev libfmt-dev catch2 libkdumpfile-dev nlohmann-json3-dev libcli11-dev
  zlib1g-dev libzstd-dev liblzma-dev xz-utils zstd)
# Test oracles and peers: only used by tests and benchmarks, never linked.
TEST_PKGS=(rustc-web gcc gdb binutils rustfilt libiberty-dev qemu-system-x86 makedumpfile
  crash python3-drgn clang-19 libclang-rt-19-dev hyperfine time bc python3-jsonschema)
# Rebuilding the kernel fixture (scripts/kernel-fixture/build.sh).
# linux-source-6.12 is pinned: the committed vmlinux is 6.12.117, and modules built for the kit
# (rust_values.ko) must load into its committed bzImage.
FIXTURE_PKGS=(bc flex bison libelf-dev libssl-dev cpio linux-source-6.12=6.12.117-1~deb12u1 rust-web-src rustfmt-web
  bindgen libclang-dev libclang-14-dev clang-19 lld-19 llvm-19 busybox-static)

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
[ "${1:-}" = "--kernel-fixture" ] && want+=("${FIXTURE_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  name=${p%%=*} version=${p#*=}   # NAME or NAME=VERSION (a pinned version)
  [ "$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null)" = "install ok installed" ] &&
    { [ "$name" = "$p" ] || [ "$(dpkg-query -W -f='${Version}' "$name")" = "$version" ]; } ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

# LLDB 22 next to the installed LLDB 19, for the plugin and dump-serving sessions on both
# (Debian installs one LLDB major at a time): its packages from Debian's archive, unpacked into
# a cache directory, never installed (shared/docs/gdb-remote.md §4). tests/lldb/lldb22.sh runs it.
lldb22=${KRDB_LLDB22_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/krdb/lldb-22}
if [ ! -x "$lldb22/usr/lib/llvm-22/bin/lldb" ]; then
  echo "setup: unpacking lldb-22 into $lldb22"
  mkdir -p "$lldb22/debs"
  if (cd "$lldb22/debs" && apt-get download -qq lldb-22 liblldb-22 python3-lldb-22 libllvm22 libclang-cpp22 2>/dev/null); then
    for deb in "$lldb22"/debs/*.deb; do dpkg-deb -x "$deb" "$lldb22"; done
    rm -rf "$lldb22/debs"
  else
    echo "setup: WARNING: lldb-22 packages could not be fetched: the lldb22.* tests will not be registered" >&2
  fi
fi
