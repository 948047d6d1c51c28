# Amphora in a container: a static binary on a distroless base, run as a
# non-root user. Build: docker build --build-arg VERSION=$(git describe --always) -t amphora .
# The build step is `make release`, the same target CI runs.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN make release VERSION=$VERSION GOOS=$TARGETOS GOARCH=$TARGETARCH RELEASE_DIR=/out

FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETOS=linux
ARG TARGETARCH=amd64
COPY --from=build /out/amphora-${TARGETOS}-${TARGETARCH} /usr/local/bin/amphora
USER nonroot:nonroot
# 8080 S3, 9100 metrics and health checks, 9001 the web console ([console] listen)
EXPOSE 8080 9100 9001
ENTRYPOINT ["/usr/local/bin/amphora"]
CMD ["serve", "-config", "/etc/amphora/amphora.toml"]
