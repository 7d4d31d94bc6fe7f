#!/usr/bin/env bash
# Installs what allocbench needs from Debian's archive, skipping apt entirely
# when everything is already present (so repeated `make` calls stay fast).
set -euo pipefail

PACKAGES=(
  g++ clang cmake make pkg-config clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  python3-matplotlib python3-numpy python3-jsonschema libvalijson-dev
  valgrind libclang-rt-14-dev
)
# Each backend's own packages: the words after PACKAGES in its allocbench_add_backend() call,
# read from the registry so that no list of backends is kept here.
REGISTRY="$(dirname "$0")/../allocators/CMakeLists.txt"
while read -r p; do
  [ -n "$p" ] && PACKAGES+=("$p")
done < <(tr '\n' ' ' <"$REGISTRY" | grep -o 'allocbench_add_backend([^)]*)' |
         sed -n 's/.* PACKAGES \(\([a-z0-9][a-z0-9.+-]* *\)*\).*/\1/p' | tr ' ' '\n')

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
