# syntax=docker/dockerfile:1
# The gateway image: `docker build -t gateway:0.1.0 .` (BuildKit; any OCI builder works).
# Daemonless: `make image` (buildah or podman; see docs/operations.md).
# Runs as the aspnet image's non-root `app` user (UID 1654); listens on 8080, /metrics on 9464.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    MSBUILDDISABLENODEREUSE=1
WORKDIR /src

COPY . .
RUN --mount=type=cache,id=gateway-nuget,target=/root/.nuget/packages \
    dotnet restore proxy/Gateway.Proxy/Gateway.Proxy.csproj
RUN --mount=type=cache,id=gateway-nuget,target=/root/.nuget/packages \
    dotnet publish proxy/Gateway.Proxy -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="gateway" \
      org.opencontainers.image.description="Enforcement gateway for AI agents (ASP.NET Core + YARP)" \
      org.opencontainers.image.version="${VERSION}"
# ASPNETCORE_HTTP_PORTS is emptied so that ASPNETCORE_URLS is the only binding (no override warning).
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    Gateway__Policy__BundlePath=/etc/gateway/bundle \
    Gateway__Metrics__Port=9464
WORKDIR /app
# Owned by root and not writable by the app user; the process needs only /tmp to be writable.
COPY --from=build --chown=root:root /app ./
USER $APP_UID
EXPOSE 8080 9464
ENTRYPOINT ["dotnet", "gateway.dll"]
