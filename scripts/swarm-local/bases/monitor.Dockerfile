# One stand-in for the monitoring images that Debian packages: Prometheus,
# Alertmanager, the node, postgres, nginx and blackbox exporters (Debian's
# package "loki" is an unrelated program, not Grafana Loki).
# The local stack override names each service's binary as its entrypoint.
ARG BASE
FROM ${BASE}
COPY policy-rc.d /usr/sbin/policy-rc.d
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      prometheus prometheus-alertmanager prometheus-node-exporter \
      prometheus-postgres-exporter prometheus-nginx-exporter \
      prometheus-blackbox-exporter ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus /alertmanager \
 && chown 65534:65534 /prometheus /alertmanager
# A new named volume takes the ownership of the directory it is mounted on.
USER 65534:65534
