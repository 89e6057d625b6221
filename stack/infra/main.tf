locals {
  name = "${var.project}-${var.environment}"

  # The stack's named volume "pgdata" is <stack>_pgdata to Docker; its local
  # driver keeps it in /var/lib/docker/volumes/<name>/_data. The PostgreSQL
  # volume is mounted one level up, so lost+found stays out of PGDATA.
  pgdata_mount = "/var/lib/docker/volumes/${var.stack_name}_pgdata"

  # The manager is also the database node and the edge node: one reserved IP,
  # one volume, and no cross-node database traffic for the common case.
  manager_labels = ["minitwit.db=true", "minitwit.edge=true"]

  backup_bucket = var.backup_bucket_name != "" ? var.backup_bucket_name : "${local.name}-backups"
  s3_endpoint   = "https://${var.region}.digitaloceanspaces.com"

  provision_script = file("${path.module}/node/provision.sh")
}

resource "digitalocean_tag" "environment" {
  name = local.name
}

resource "digitalocean_tag" "manager" {
  name = "${local.name}-manager"
}

resource "digitalocean_tag" "worker" {
  name = "${local.name}-worker"
}
