# syntax=docker/dockerfile:1
# otelacct container image: multi-stage, runs as the unprivileged user "otelacct".
#
#   docker build -t otelacct .
#   docker run --rm --network host --cap-add NET_RAW --cap-add NET_ADMIN otelacct -i eth0
#
# The node binary carries the file capabilities cap_net_raw,cap_net_admin+eip so that the
# non-root user can capture. Such a binary only starts where the container may hold both
# capabilities: run every container of this image with --cap-add NET_RAW --cap-add NET_ADMIN
# (NET_RAW is in Docker's default set, NET_ADMIN is not), even for --help or --read; otherwise
# exec fails with "operation not permitted". See docs/deployment.md.

ARG NODE_IMAGE=node:24.11-bookworm-slim

# ---- build: compile the cap addon and the TypeScript, then drop dev dependencies ----------------
FROM ${NODE_IMAGE} AS build
# Build the addon against the headers the image ships (no download from nodejs.org).
ENV npm_config_nodedir=/usr/local
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ libpcap-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# npm ci runs the package's install script (scripts/build-native.mjs): it builds otelacct's own
# addon (binding.gyp: src/native/packet_stats.c, kernel drop counts) and rebuilds cap.
COPY package.json package-lock.json binding.gyp ./
COPY scripts/build-native.mjs scripts/cap-patch.mjs ./scripts/
COPY src/native ./src/native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e 'require("cap"); require("./build/Release/packet_stats.node"); require("./build/Release/bpf_filter.node")'

# ---- runtime: node, libpcap and the app; nothing to compile with ------------------------------
FROM ${NODE_IMAGE}
# libpcap0.8 is the only runtime package. libcap2-bin (setcap) is installed, used once and
# purged in the same layer, so it is not in the image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpcap0.8 libcap2-bin \
 && setcap cap_net_raw,cap_net_admin+eip "$(readlink -f /usr/local/bin/node)" \
 && DEBIAN_FRONTEND=noninteractive apt-get purge -y --auto-remove libcap2-bin \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system otelacct \
 && useradd --system --gid otelacct --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin otelacct
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/build/Release ./build/Release
COPY --from=build /app/src/web/assets ./src/web/assets
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
COPY deploy/otelacct.yaml /etc/otelacct/otelacct.yaml
COPY deploy/networks.lst /etc/otelacct/networks.lst
ENV NODE_ENV=production \
    OTELACCT_CONFIG=/etc/otelacct/otelacct.yaml
USER otelacct
EXPOSE 9464
# The health check follows otelacct's configuration (port, path, TLS, basic auth); with basic auth,
# mount "user:password" and set OTELACCT_HEALTHCHECK_CREDENTIALS_FILE (deploy/docker/healthcheck.mjs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/src/cli.js"]
