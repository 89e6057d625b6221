#!/usr/bin/env bash
# Checks the infrastructure code in stack/infra offline:
#   1. terraform fmt -check -recursive (every .tf and .tfvars file parses and is formatted)
#   2. no credential in stack/infra; the tfvars files set only declared
#      variables, each its own environment and VPC range; shellcheck of
#      stack/infra/scripts
#   3. terraform init -backend=false + validate of stack/infra/checks/cloud-init,
#      which renders the user data of a manager and of a worker with the
#      module stack/infra/modules/cloud-init; the rendered documents are
#      checked with cloud-init's own schema (Debian 12's cloud-init, unpacked,
#      not installed), must carry provision.sh byte for byte, and the boot
#      script in them must pass shellcheck
#   4. the destroy guard: stack/infra/checks/destroy-guard is applied, and
#      destroying it must fail without MINITWIT_DESTROY or with the wrong
#      environment, leaving everything in place, and work with the right one
#   5. terraform init -backend=false + validate of stack/infra itself, when a
#      DigitalOcean provider is in INFRA_PLUGIN_DIR (see below)
# What could not run is printed with the reason at the end; the exit status
# is non-zero only for a real failure (a check that ran and failed, or a
# tool that should be obtainable and was not).
#
# Terraform 1.5.7 (the last MPL-licensed release) is built from the Go module
# proxy once and cached in INFRA_CACHE (default /var/cache/minitwit-infra);
# TERRAFORM=/path/to/terraform uses another binary.
#
# The DigitalOcean provider cannot be built here: its repository's go.mod
# declares no /v2 module path, so its v2 releases are not Go module versions,
# and the Go module proxy serves only its 2020 v1 tags (which lack resources
# this configuration uses, e.g. digitalocean_reserved_ip); the Terraform
# registry is not reachable. With a provider mirror in
# INFRA_PLUGIN_DIR (default $INFRA_CACHE/plugins, laid out as
# registry.terraform.io/digitalocean/digitalocean/VERSION/linux_amd64/...,
# e.g. from `terraform providers mirror` on a connected machine) step 5 runs.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

ROOT=$REPO_ROOT
INFRA=$ROOT/stack/infra
CACHE=${INFRA_CACHE:-/var/cache/minitwit-infra}
PLUGINS=${INFRA_PLUGIN_DIR:-$CACHE/plugins}
TF_VERSION=1.5.7
CLOUD_INIT_PKG=cloud-init

not_run=()
failed=()
fail() { printf 'FAIL: %s\n' "$*" >&2; failed+=("$*"); }
skip() { printf 'NOT RUN: %s\n' "$*" >&2; not_run+=("$*"); }

command -v go >/dev/null 2>&1 || die "go is needed to build Terraform"
ensure_packages shellcheck:shellcheck /usr/bin/python3:python3 dpkg-deb:dpkg
mkdir -p "$CACHE"

# terraform: TERRAFORM, else the cached build, else build it now.
terraform_bin() {
  if [[ -n ${TERRAFORM:-} ]]; then
    [[ -x $TERRAFORM ]] || die "TERRAFORM=$TERRAFORM is not executable"
    printf '%s\n' "$TERRAFORM"
    return
  fi
  local bin=$CACHE/bin/terraform
  local have=''
  [[ -x $bin ]] && have=$("$bin" version 2>/dev/null || true)
  if [[ $have != "Terraform v$TF_VERSION"* ]]; then
    log "building Terraform $TF_VERSION from the Go module proxy into $CACHE/bin (a few minutes, once)"
    mkdir -p "$CACHE/bin"
    GOBIN=$CACHE/bin GOFLAGS=-buildvcs=false GOWORK=off CGO_ENABLED=0 \
      go install "github.com/hashicorp/terraform@v$TF_VERSION" >&2 ||
      die "could not build Terraform $TF_VERSION (go install github.com/hashicorp/terraform@v$TF_VERSION)"
  fi
  printf '%s\n' "$bin"
}

# cloud_init_root unpacks Debian's cloud-init package (never installed: on a
# machine with systemd it would run at the next boot) and prints its root.
cloud_init_root() {
  local dir=$CACHE/cloud-init
  if [[ ! -x $dir/root/usr/bin/cloud-init ]]; then
    log "unpacking Debian's $CLOUD_INIT_PKG into $dir"
    rm -rf "$dir"
    mkdir -p "$dir/deb"
    (cd "$dir/deb" && { apt-get download "$CLOUD_INIT_PKG" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get download "$CLOUD_INIT_PKG" >/dev/null 2>&1; }; }) || return 1
    dpkg-deb -x "$dir"/deb/*.deb "$dir/root" || return 1
  fi
  printf '%s\n' "$dir/root"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Offline by construction: providers come from the local mirror only, never
# from a registry, whatever the user's own CLI configuration says.
cat >"$work/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path = "$PLUGINS"
  }
}
EOF
export TF_CLI_CONFIG_FILE=$work/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
TF=$(terraform_bin)
tf_version=$("$TF" version)
log "${tf_version%%$'\n'*}"
# A copy, so init's .terraform directories never land in the work tree.
cp -r "$INFRA" "$work/infra"
rm -rf "$work/infra/.terraform" "$work"/infra/*/*/.terraform

log "terraform fmt -check -recursive stack/infra"
"$TF" fmt -check -recursive -diff "$work/infra" || fail "terraform fmt: run \`terraform fmt -recursive stack/infra\`"

log "tfvars: declared variables, environment named after the file, VPC ranges apart"
# plan would catch an undeclared variable, but plan needs the provider and an account.
/usr/bin/python3 - "$INFRA" <<'EOF' || fail "the tfvars files (see above)"
import glob, os, re, sys
root = sys.argv[1]
declared = set()
for tf in glob.glob(os.path.join(root, "*.tf")):
    declared |= set(re.findall(r'^variable "([^"]+)"', open(tf).read(), re.M))
ok, ranges = True, {}
for f in sorted(glob.glob(os.path.join(root, "*.tfvars"))):
    env = os.path.basename(f)[: -len(".tfvars")]
    values = dict(re.findall(r'^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$', open(f).read(), re.M))
    for k in sorted(set(values) - declared):
        print(f"{f}: {k} is not a variable of stack/infra", file=sys.stderr); ok = False
    if values.get("environment") != f'"{env}"':
        print(f"{f}: environment must be \"{env}\"", file=sys.stderr); ok = False
    ranges[env] = values.get("vpc_ip_range")
if len(set(ranges.values())) != len(ranges) or None in ranges.values():
    print(f"each tfvars file needs its own vpc_ip_range: {ranges}", file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
EOF

log "no credential in stack/infra"
# Backend settings and variables that would hold one, and DigitalOcean's token prefixes.
if grep -rnE '^\s*(access_key|secret_key|token|spaces_access_id|spaces_secret_key)\s*=|dop_v1_[0-9a-f]{8}|doo_v1_[0-9a-f]{8}' \
  --include='*.tf' --include='*.tfvars' --include='*.hcl' "$INFRA"; then
  fail "a credential in stack/infra (above): they come from the environment"
fi

log "shellcheck stack/infra/scripts"
shellcheck -x "$INFRA"/scripts/*.sh || fail "shellcheck of stack/infra/scripts"

log "terraform validate stack/infra/checks/cloud-init and render the user data"
check=$work/infra/checks/cloud-init
if "$TF" -chdir="$check" init -backend=false -no-color >"$work/init.log" 2>&1 &&
  "$TF" -chdir="$check" validate -no-color &&
  "$TF" -chdir="$check" apply -auto-approve -no-color >"$work/apply.log" 2>&1; then
  for role in manager worker; do
    doc=$work/$role.yaml
    "$TF" -chdir="$check" output -raw "${role}_user_data" >"$doc"
    [[ $(head -1 "$doc") == '#cloud-config' ]] || fail "$role user data does not start with #cloud-config"
    # The files it writes, one per file in $work/$role.files/.
    /usr/bin/python3 - "$doc" "$work/$role.files" <<'EOF' || fail "$role user data: write_files unreadable"
import os, sys, yaml
doc, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
for f in yaml.safe_load(open(doc))["write_files"]:
    with open(os.path.join(out, os.path.basename(f["path"])), "w") as w:
        w.write(f["content"])
EOF
    cmp -s "$work/$role.files/minitwit-provision" "$INFRA/node/provision.sh" ||
      fail "$role user data does not carry stack/infra/node/provision.sh unchanged"
    shellcheck -x "$work/$role.files/minitwit-node-init" || fail "shellcheck of the $role's minitwit-node-init"
    bash -n "$work/$role.files/minitwit-provision" || fail "provision.sh in the $role's user data does not parse"
  done
  grep -q 'scsi-0DO_Volume_minitwit-staging-pgdata' "$work/manager.files/minitwit-node-init" ||
    fail "the manager's node init does not mount the pgdata volume"
  ! grep -q 'DO_Volume' "$work/worker.files/minitwit-node-init" || fail "a worker's node init mounts a volume"
  grep -qx "NODE_LABELS='minitwit.db=true minitwit.edge=true'" "$work/manager.files/node.env" ||
    fail "the manager's node.env lacks its labels"
  grep -qx "MANAGER_ADDR='10.110.0.2'" "$work/worker.files/node.env" || fail "the worker's node.env lacks MANAGER_ADDR"
  grep -q "^DEPLOY_SSH_KEY='ssh-ed25519 " "$work/manager.files/node.env" || fail "the manager's node.env lacks the deploy key"
  grep -qx "DEPLOY_SSH_KEY=''" "$work/worker.files/node.env" || fail "a worker's node.env has a deploy key"

  # cloud-init's Python dependencies (libraries only; cloud-init itself is unpacked, not installed).
  ci_deps=(python3-configobj python3-jinja2 python3-jsonpatch python3-jsonschema python3-netifaces
    python3-oauthlib python3-requests python3-serial python3-yaml)
  missing=()
  for p in "${ci_deps[@]}"; do
    [[ $(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true) == *' ok installed' ]] || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (cloud-init's schema check needs them)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
      { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
      die "could not install ${missing[*]}"
  fi
  if ci=$(cloud_init_root); then
    for role in manager worker; do
      log "cloud-init schema --config-file ($role)"
      PYTHONPATH=$ci/usr/lib/python3/dist-packages /usr/bin/python3 "$ci/usr/bin/cloud-init" schema \
        --config-file "$work/$role.yaml" || fail "cloud-init schema of the $role user data"
    done
  else
    fail "could not unpack Debian's $CLOUD_INIT_PKG for the schema check"
  fi
else
  cat "$work/init.log" "$work/apply.log" 2>/dev/null >&2 || true
  fail "terraform init/validate/apply of stack/infra/checks/cloud-init"
fi

log "the destroy guard (stack/infra/checks/destroy-guard)"
guard=$work/infra/checks/destroy-guard
# still_there: the guarded resource outlived a refused destroy.
# (No grep -q on a pipe: an early exit makes the writer fail under pipefail.)
still_there() {
  local list
  list=$("$TF" -chdir="$guard" state list 2>/dev/null) || return 1
  grep -x 'terraform_data.precious' >/dev/null <<<"$list"
}
if "$TF" -chdir="$guard" init -backend=false -no-color >"$work/guard.log" 2>&1 &&
  "$TF" -chdir="$guard" apply -auto-approve -no-color >>"$work/guard.log" 2>&1; then
  if (unset MINITWIT_DESTROY; "$TF" -chdir="$guard" destroy -auto-approve -no-color >>"$work/guard.log" 2>&1) || ! still_there; then
    fail "destroy guard: a destroy without MINITWIT_DESTROY went through"
  elif MINITWIT_DESTROY=staging "$TF" -chdir="$guard" destroy -auto-approve -no-color >>"$work/guard.log" 2>&1 || ! still_there; then
    fail "destroy guard: MINITWIT_DESTROY=staging destroyed production"
  elif ! MINITWIT_DESTROY=production "$TF" -chdir="$guard" destroy -auto-approve -no-color >>"$work/guard.log" 2>&1 || still_there; then
    fail "destroy guard: MINITWIT_DESTROY=production did not destroy production"
  fi
else
  cat "$work/guard.log" >&2
  fail "terraform init/apply of stack/infra/checks/destroy-guard"
fi

provider=$(find "$PLUGINS" -path '*/registry.terraform.io/digitalocean/digitalocean/*' -name 'terraform-provider-digitalocean*' 2>/dev/null | head -1 || true)
if [[ -n $provider ]]; then
  log "terraform init -backend=false -plugin-dir=$PLUGINS + validate stack/infra"
  if "$TF" -chdir="$work/infra" init -backend=false -plugin-dir="$PLUGINS" -no-color >"$work/init-root.log" 2>&1; then
    "$TF" -chdir="$work/infra" validate -no-color || fail "terraform validate of stack/infra"
  else
    cat "$work/init-root.log" >&2
    fail "terraform init of stack/infra with the provider in $PLUGINS"
  fi
else
  skip "terraform validate of stack/infra (the root module): no DigitalOcean provider in $PLUGINS. It cannot be built here (the Go module proxy serves no v2 release of github.com/digitalocean/terraform-provider-digitalocean: its go.mod has no /v2 path) and the registry is unreachable. The module it uses for cloud-init was validated and rendered above; every file parsed in fmt."
fi
skip "terraform plan/apply: they need a DigitalOcean account and token (docs/infrastructure.md)"

printf '\ninfra-check: %d failed, %d not run\n' "${#failed[@]}" "${#not_run[@]}"
for s in "${not_run[@]}"; do printf '  not run: %s\n' "$s"; done
for f in "${failed[@]}"; do printf '  failed: %s\n' "$f"; done
((${#failed[@]} == 0))
