# syntax=docker/dockerfile:1
# The gateway image for machines that can pull Microsoft's images: `docker build -t gateway:0.1.0 .`
# (BuildKit; any OCI builder works; `IMAGE_BUILDER=dockerfile make image` picks buildah, podman or docker).
# `make image` builds the same layout with no registry and no container engine (build/image.sh): the same
# self-contained publish (build/image-publish.sh) at /app, the same user (1654:1654), entrypoint
# (/app/gateway), working directory, environment, ports (8080, /metrics on 9464) and mount points.
# Keep the two in step (docs/operations.md, section 1).

# The base images, by digest: `IMAGE_BUILDER=dockerfile make image` passes both as name@sha256:… (SDK_IMAGE_DIGEST and
# RUNTIME_DEPS_IMAGE_DIGEST, or the tags' digests resolved with skopeo) and prints them. A plain `docker build` uses the
# tags below unless given --build-arg SDK_IMAGE=…@sha256:… --build-arg RUNTIME_DEPS_IMAGE=…@sha256:….
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0

FROM ${SDK_IMAGE} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    MSBUILDDISABLENODEREUSE=1
WORKDIR /src

COPY . .
RUN --mount=type=cache,id=gateway-nuget,target=/root/.nuget/packages \
    ./build/image-publish.sh /app
# The chart's mount points: the root file system is read-only at run time, so they must exist in the image.
# /var/lib/gateway, the data directory (Gateway__DataDirectory below), is the app user's: a volume mounted there
# without the chart (a named volume takes the directory's owner) is writable by it.
RUN mkdir -p /skeleton/etc/gateway/bundle /skeleton/run/gateway/receipt-keys /skeleton/run/gateway/credentials \
      /data-skeleton/gateway

# runtime-deps: the native libraries a self-contained .NET app needs, and the `app` user (UID 1654).
FROM ${RUNTIME_DEPS_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="gateway" \
      org.opencontainers.image.description="Enforcement gateway for AI agents (ASP.NET Core + YARP)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE}"
# ASPNETCORE_HTTP_PORTS is emptied so that ASPNETCORE_URLS is the only binding (no override warning).
# DOTNET_GCGen1MaxBudget: gen1 is collected once 4 MiB has been promoted into it. Without it the GC let gen1 grow by
# what in-flight requests held at each gen0 (30 MiB in 3 minutes at 3,000 req/s) until a full collection, and RSS
# with it (docs/performance.md, "RSS"). The runtime reads it from the environment only, not from runtimeconfig.json.
ENV APP_UID=1654 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_GCGen1MaxBudget=0x400000 \
    ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_ENVIRONMENT=Production \
    Gateway__Policy__BundlePath=/etc/gateway/bundle \
    Gateway__DataDirectory=/var/lib/gateway \
    Gateway__Metrics__Port=9464
COPY --from=build /skeleton/ /
COPY --from=build --chown=1654:1654 /data-skeleton/ /var/lib/
WORKDIR /app
# Owned by root and not writable by the app user; the process needs only /tmp to be writable.
COPY --from=build --chown=root:root /app ./
USER 1654:1654
EXPOSE 8080 9464
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/gateway"]
