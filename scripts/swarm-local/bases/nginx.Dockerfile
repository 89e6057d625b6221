# Stand-in for nginx:1.27-alpine from Debian's nginx-light: the paths, user
# (nginx, 101) and tools the gateway image expects of the alpine image.
ARG BASE
FROM ${BASE}
COPY policy-rc.d /usr/sbin/policy-rc.d
RUN groupadd -r -g 101 nginx \
 && useradd -r -u 101 -g nginx -d /nonexistent -s /usr/sbin/nologin nginx \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      nginx-light openssl gettext-base busybox diffutils >/dev/null \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
 && ln -s /bin/busybox /usr/local/bin/wget \
 && mkdir -p /etc/nginx/conf.d /var/cache/nginx \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
# The gateway's Dockerfile runs `apk add --no-cache openssl`; here it only
# checks that each named tool is already installed.
COPY apk /usr/local/sbin/apk
STOPSIGNAL SIGQUIT
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
