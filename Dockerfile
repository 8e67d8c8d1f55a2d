# Vigie's one binary in a small image. Built by docker-compose.yml (service vigie); on its own:
#   docker build -t vigie . && docker run --rm vigie --help
FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused while only the code changes.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/vigie ./cmd/vigie

FROM debian:bookworm-slim
# ca-certificates: feeds are fetched over HTTPS. wget: the compose healthcheck asks /healthz.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates wget \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/vigie vigie \
    && mkdir -p /var/lib/vigie /etc/vigie \
    && chown vigie /var/lib/vigie
COPY --from=build /out/vigie /usr/local/bin/vigie
USER vigie
WORKDIR /var/lib/vigie
# /metrics and /healthz (server.listen).
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/vigie"]
CMD ["run", "-config", "/etc/vigie/vigie.yaml"]
