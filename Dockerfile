# One image for every placement: SERVICES and the *_URL variables decide what a container runs.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The postinstall applies patches/ (a postgres.js fix) to node_modules.
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY modules ./modules
COPY adapters ./adapters
COPY config ./config
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENV DATABASE_URL=pglite:///app/.data/db PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=2s CMD node -e "fetch('http://127.0.0.1:3000/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tsx as a loader, not its CLI: the CLI runs the server in a child process and SIGKILLs it when it
# does not acknowledge a forwarded SIGTERM within 30 ms, so a busy server would never shut down cleanly.
CMD ["node", "--import", "tsx", "src/main.ts"]
