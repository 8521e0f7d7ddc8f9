# syntax=docker/dockerfile:1
# The gateway image: one image, one process per client profile (GATEWAY_PROFILE).
# Build:  docker build --build-arg NODE_MAJOR=26 -t storefront-gateway .
# Run:    docker run -p 4000:4000 -e GATEWAY_PROFILE=web storefront-gateway
# Not built or run on the machine this was written on (no Docker engine there);
# test/unit/container-image.test.ts checks this file offline (docs/deployment.md).

# The Node major is a build argument: the runtime the project pins (package.json
# engines) must be the one the image runs. Node >= 22.18 strips TypeScript
# types itself, so the image runs the .ts sources with no loader and no build.
ARG NODE_MAJOR=26

# Production dependencies only, installed from the lockfile in a stage of their
# own, so npm's cache and any build toolchain stay out of the runtime image.
FROM node:${NODE_MAJOR}-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_MAJOR}-slim AS runtime
ENV NODE_ENV=production \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=4000
WORKDIR /app
# Owned by root and not writable by the process: the gateway writes nothing to
# disk (logs go to stdout), and a compromised process cannot rewrite its code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY common ./common
COPY gateway ./gateway
# Defaults baked in; in Kubernetes the supergraph and the manifests come from
# ConfigMaps mounted over other paths (deploy/kubernetes), so they hot-reload.
COPY schema/supergraph.graphql ./schema/supergraph.graphql
# Which fields are optional and their fallbacks (degradation.optionalFields' default).
COPY schema/criticality.ts ./schema/criticality.ts
COPY persisted-queries/manifests ./persisted-queries/manifests
COPY persisted-queries/releases ./persisted-queries/releases
COPY deploy/container/healthcheck.mjs ./deploy/container/healthcheck.mjs

# The official image's unprivileged user (uid 1000).
USER node
EXPOSE 4000
# Liveness only: a gateway whose subgraphs are down still answers (degraded),
# and restarting it would not bring them back. Node is in the image; curl is not.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "deploy/container/healthcheck.mjs"]
# Exec form: node is PID 1 and receives SIGTERM itself; gateway/main.ts handles
# it by draining in-flight requests (shutdownGraceMs) and exiting. No tini:
# the gateway starts no child processes, so there are no zombies to reap, and
# an init in between would only add a hop for the signal.
STOPSIGNAL SIGTERM
CMD ["node", "gateway/main.ts"]
