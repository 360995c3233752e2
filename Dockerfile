# syntax=docker/dockerfile:1.7
#
# One image recipe for every service: `docker build --build-arg SERVICE=product-service .`
# Copilot passes SERVICE through image.build.args in copilot/<service>/manifest.yml.
#
# Stage 1 compiles the service into one self-contained binary with the pinned Bun.
# Stage 2 is distroless: the binary and nothing else, run as a non-root user.

# Declared before the first FROM so that both stages can read it after re-declaring it.
ARG SERVICE

# ---------------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------------
# The same Bun version as package.json's devDependency and .tools/, so the image and CI compile
# with the same toolchain. Pinned by version tag only: no registry digest for 1.4.5 could be
# looked up from this workshop. Re-pin with the digest before release:
#   docker buildx imagetools inspect oven/bun:1.4.5
# The default (non-alpine) tag is Debian bookworm, i.e. glibc, matching the final stage.
#
# The stage runs on the builder's own platform ($BUILDPLATFORM) and cross-compiles for the
# requested one: Copilot builds linux/arm64 images (see the manifests), and running Bun's JIT
# under QEMU emulation on an x86 CI runner is slow and fragile. bun build --compile fetches the
# matching Bun runtime for --target from the npm registry.
FROM --platform=$BUILDPLATFORM oven/bun:1.4.5 AS build
ARG SERVICE
ARG TARGETARCH
WORKDIR /src

# Manifests and lockfile first: this layer is reused until dependencies change.
COPY package.json bun.lock bunfig.toml ./
COPY service-kit/package.json service-kit/
COPY product-service/package.json product-service/
COPY order-service/package.json order-service/
COPY reservation-contract/package.json reservation-contract/
# --production: the root devDependencies (linters, test tools, the bun npm package) are not
# needed to bundle a service. --ignore-scripts: no install script runs inside the build.
RUN bun install --frozen-lockfile --production --ignore-scripts

COPY tsconfig.json ./
COPY service-kit/ service-kit/
COPY reservation-contract/ reservation-contract/
COPY ${SERVICE}/ ${SERVICE}/

# SQL migrations and the demo catalogue are imported by the code, so the binary embeds them and
# the final stage needs no other file.
RUN test -n "${SERVICE}" && test -f "${SERVICE}/src/main.ts" \
      || { echo "Build with --build-arg SERVICE=<product-service|order-service>" >&2; exit 1; } \
 && case "${TARGETARCH:-amd64}" in \
      amd64) BUN_TARGET=bun-linux-x64 ;; \
      arm64) BUN_TARGET=bun-linux-arm64 ;; \
      *) echo "Unsupported TARGETARCH ${TARGETARCH}: use linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac \
 && bun build --compile --minify --sourcemap --bytecode --format=esm --splitting --compile-jit-policy=16 \
      --target="${BUN_TARGET}" \
      "${SERVICE}/src/main.ts" --outfile out/service \
 && mkdir -p out/data

# ---------------------------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------------------------
# `readelf -d` on a Bun 1.4.5 compiled binary (x64 and arm64) lists only glibc: libc, libm,
# libpthread, libdl and the loader; no libstdc++ or libgcc_s. base-nossl is glibc plus
# ca-certificates, tzdata and /etc/passwd with the nonroot user; cc would add libssl, libgcc and
# libstdc++ that nothing loads (Bun carries its own BoringSSL). The digest is the multi-platform
# index (amd64 + arm64) as published on gcr.io; re-resolve it with
#   docker buildx imagetools inspect gcr.io/distroless/base-nossl-debian12:nonroot
FROM gcr.io/distroless/base-nossl-debian12:nonroot@sha256:be40c00dfabd86576d92666e87e406714d5618342de1a0c213ad232de255172e
ARG SERVICE
LABEL org.opencontainers.image.title="${SERVICE}" \
      org.opencontainers.image.description="Retail MCP server (${SERVICE}), compiled with bun build --compile"

# The sqlite default writes under ./.data; give the non-root user a writable working directory
# even though the cloud configuration uses PostgreSQL.
COPY --from=build --chown=65532:65532 /src/out/data /app/.data
COPY --from=build --chown=0:0 --chmod=0555 /src/out/service /app/service

# uid/gid 65532 is the `nonroot` entry of the distroless /etc/passwd.
USER 65532:65532
WORKDIR /app

ENV PORT=8080 HOST=0.0.0.0
EXPOSE 8080

# No shell or curl in this image: the binary probes its own /health endpoint.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/app/service", "healthcheck"]

ENTRYPOINT ["/app/service"]
CMD ["serve"]
