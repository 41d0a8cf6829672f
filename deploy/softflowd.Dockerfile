# syntax=docker/dockerfile:1
# softflowd, the flow exporter of the demo's flow variant (deploy/softflowd.compose.yml): Debian 12's
# package (softflowd 1.1.0), nothing else. It plays a router: it meters an interface and exports
# IPFIX to otelacct's NetFlow/IPFIX listener.
#
#   docker build -f deploy/softflowd.Dockerfile -t otelacct-softflowd deploy
#
# It runs as root inside the container with NET_RAW only (compose: cap_drop ALL, cap_add NET_RAW):
# softflowd writes its pid file and control socket to /var/run, where `softflowctl` (same package)
# finds them: see the `exec softflowd softflowctl` commands in docs/flow-collector.md.
FROM debian:12.11-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends softflowd \
 && rm -rf /var/lib/apt/lists/*
# -d: stay in the foreground (the container's process) and log to stderr (`docker compose logs`).
ENTRYPOINT ["softflowd", "-d"]
