# Stand-in for golang:1.26-bookworm: the local debian base, the host's Go
# toolchain and CA bundle, and the host's module proxy settings.
ARG BASE
FROM ${BASE}
COPY go /usr/local/go
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOFLAGS=
ARG GOSUMDB=sum.golang.org
ARG GONOSUMDB=
ENV GOPATH=/go \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    GOTOOLCHAIN=local \
    GOPROXY=${GOPROXY} \
    GOFLAGS=${GOFLAGS} \
    GOSUMDB=${GOSUMDB} \
    GONOSUMDB=${GONOSUMDB} \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
WORKDIR /go
