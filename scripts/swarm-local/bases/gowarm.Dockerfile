# The Go builder stand-in with the services' modules downloaded and their
# dependencies compiled, built from the repository's top level. GOCACHE and
# GOMODCACHE point under /opt, so services/Dockerfile's cache mounts stay
# empty and its build reuses these (same flags: CGO_ENABLED=0, -trimpath).
ARG BASE
FROM ${BASE}
ENV GOCACHE=/opt/go-build GOMODCACHE=/opt/go-mod
WORKDIR /warm
COPY go.work go.work.sum ./
RUN go work edit -dropuse=./services/e2e
COPY services/ services/
RUN mkdir /tmp/warm-out \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /tmp/warm-out/ \
      ./services/web/cmd/web ./services/api/cmd/api ./services/follower/cmd/follower \
 && rm -rf /tmp/warm-out /warm
WORKDIR /go
