# syntax=docker/dockerfile:1
# One image for every placement: SERVICES and the *_SERVICE_URL variables decide what a container
# runs (deploy/compose, deploy/k8s). No Docker engine runs in CI: tests/deploy/dockerfile.test.ts
# checks this file against package.json and runs its health check, and tests/e2e/node24.test.ts
# runs the compiled server on the Node.js line below.
ARG NODE_IMAGE=node:24-bookworm-slim

# Everything, dev dependencies included, to bundle the sources into dist/; only dist/ leaves this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The postinstall applies patches/ (a postgres.js fix) to node_modules.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
# The build script, and tsconfig.json for the JSX settings esbuild reads from it.
COPY tsconfig.json ./
COPY tools/build.mjs ./tools/
COPY src ./src
COPY modules ./modules
COPY adapters ./adapters
COPY config ./config
# An entry point of the build (`npm run start:split` on a developer's machine), unused by the image.
COPY deploy/start-split.ts ./deploy/
RUN npm run build

# The production dependencies alone, patched.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ARG NODE_IMAGE
ARG REVISION=unknown
LABEL org.opencontainers.image.title="modular-auth" \
      org.opencontainers.image.description="Authentication (register, login, refresh, sessions, audit) as a modular monolith: one image, placed by SERVICES" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
WORKDIR /app
ENV NODE_ENV=production PORT=3000 DATABASE_URL=pglite:///app/.data/db
# package.json says the compiled files are ES modules.
COPY package.json ./
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The embedded database's template, made by the build: a container's first start copies it instead of
# running initdb (seconds and a few hundred MiB less). Postgres's file modes keep it to its user.
COPY --from=build --chown=1000:1000 /app/node_modules/.cache/modular-auth ./node_modules/.cache/modular-auth
# The embedded database's directory (mount a volume here), writable by the server's user alone.
RUN mkdir /app/.data && chown 1000:1000 /app/.data && chmod 700 /app/.data
# The base image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 3000
# Follows PORT; ready, not just live: a process waiting for its database is not healthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What the server drains on (src/main.ts); node runs as PID 1 itself, so the signal reaches it
# (npm would exit and leave the server running; tsx's CLI SIGKILLs a busy child after 30 ms).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
