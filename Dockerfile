# darkroom: one image, four entry points (api, worker, notifier, migrate), and
# the front door (nginx with the built web page).
#
#   docker build --target api      -t darkroom-api .       # also the default target
#   docker build --target worker   -t darkroom-worker .
#   docker build --target notifier -t darkroom-notifier .
#   docker build --target migrate  -t darkroom-migrate .
#   docker build --target web      -t darkroom-web .       # nginx + dist/web
#
# The app targets differ only in CMD/EXPOSE: every layer below `runtime` is shared,
# so building all four costs one build. docker-compose.yml picks them by target.
#
# Install scripts: none are run (--ignore-scripts). sharp's binaries come as
# @img/* packages and msgpackr-extract's as @msgpackr-extract/* packages; the
# only other script is @scarf/scarf's install-time analytics ping.
# No `# syntax=` line: the default BuildKit frontend handles everything here.

# ---- build: dev dependencies + tsc + tsc-alias -> dist/, vite build -> dist/web -
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# ---- prod-deps: production node_modules only, in a stage of its own -----------
# (so no npm cache or dev tool ever reaches a layer of the final image)
# typescript stays behind --omit=dev as an optional peer of @nestjs/swagger,
# which needs it only for its compile-time plugin: dropped here (24 MB).
# The `node -e` line fails the build if a native module did not install.
FROM node:24-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver node_modules/.cache \
 && node -e "require('sharp'); require('msgpackr-extract'); require('@nestjs/swagger')"

# ---- runtime: what every target shares ----------------------------------------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    STORAGE_DIR=/data \
    npm_config_update_notifier=false
WORKDIR /app
# The photo volume mounts at /data; a fresh named volume copies this owner.
# (No VOLUME line: it would leave an anonymous volume behind for every
# container that does not mount /data, such as migrate and notifier.)
RUN mkdir -p /data/tmp && chown -R node:node /data
# Code and dependencies stay owned by root: the app user can read, not change, them.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# numeric, so that runAsNonRoot-style checks can verify it (1000 = "node" in node images)
USER 1000:1000

# ---- entry points --------------------------------------------------------------
FROM runtime AS migrate
CMD ["node", "dist/apps/api/src/migrate.js"]

FROM runtime AS worker
ENV WORKER_HTTP_PORT=3001
EXPOSE 3001
CMD ["node", "dist/apps/worker/src/main.js"]

FROM runtime AS notifier
ENV NOTIFIER_HTTP_PORT=3002
EXPOSE 3002
CMD ["node", "dist/apps/notifier/src/main.js"]

# The front door: nginx serves the web page from the build stage (vite's output);
# its configuration is mounted by docker-compose.yml (deploy/nginx).
FROM nginx:1.27-bookworm AS web
COPY --from=build /app/dist/web /usr/share/nginx/html

# last, so that a plain `docker build .` gives the api
FROM runtime AS api
ENV API_PORT=3000
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
