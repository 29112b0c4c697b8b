# One image for every placement: SERVICES and the *_URL variables decide what a container runs.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The postinstall applies patches/ (a postgres.js fix) to node_modules.
COPY patches ./patches
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY modules ./modules
COPY adapters ./adapters
COPY config ./config
# The compiler is a dev dependency: install everything, compile to dist/, then drop what only the
# build needed, in one layer so the image keeps none of it (a build stage of its own would let the
# dependencies' layer be cached apart from the sources'). The build also makes the embedded
# database's template (node_modules/.cache/modular-auth, 40 MB), which each container's first start
# copies instead of running initdb; Postgres's modes keep it from other users, hence the chown.
RUN npm ci --include=dev --no-audit --no-fund && npm run build && npm prune --omit=dev && npm cache clean --force \
  && chown -R node:node node_modules/.cache/modular-auth
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENV DATABASE_URL=pglite:///app/.data/db PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=2s CMD node -e "fetch('http://127.0.0.1:3000/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself, not npm (which would leave the server running when it is sent SIGTERM) nor tsx's CLI
# (which SIGKILLs a child that does not acknowledge a forwarded SIGTERM within 30 ms): the server
# gets the signal, drains and closes its data.
CMD ["node", "dist/src/main.js"]
