# Stand-in for postgres:15-bookworm from Debian's postgresql-15: user
# postgres (999), PGDATA /var/lib/postgresql/data, the binaries on PATH and
# an entrypoint with the official image's first-start contract.
ARG BASE
FROM ${BASE}
COPY policy-rc.d /usr/sbin/policy-rc.d
RUN groupadd -r -g 999 postgres \
 && useradd -r -u 999 -g postgres -d /var/lib/postgresql -s /bin/bash postgres \
 && mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confold postgresql-15 >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 777 /var/lib/postgresql/data \
 && chmod 2777 /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
